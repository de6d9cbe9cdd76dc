import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** A TLS certificate for the local stand-ins (Cosmos, Key Vault, tenant simulator) on loopback. */
export interface LocalCertificate {
  /** PEM of the certificate; clients trust exactly this, nothing process-wide. */
  cert: string;
  key: string;
  certPath: string;
}

const hosts = ['localhost', '127.0.0.1', '::1'];

/**
 * Returns the stack's certificate from `dir`, making a new one when it is missing or expires within a day.
 * The key pair comes from node:crypto (native and fast); selfsigned only writes the X.509 structure.
 */
export async function localCertificate(
  dir = join(process.cwd(), '.local', 'certs'),
): Promise<LocalCertificate> {
  const certPath = join(dir, 'localhost.crt');
  const keyPath = join(dir, 'localhost.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const validTo = new X509Certificate(cert).validTo;
    if (Date.parse(validTo) - Date.now() > 24 * 3600 * 1000) {
      return { cert, key: readFileSync(keyPath, 'utf8'), certPath };
    }
  }
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyPair: { publicKey, privateKey },
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: hosts.map((h) =>
          h.includes('.') || h.includes(':') ? { type: 7, ip: h } : { type: 2, value: h },
        ),
      },
    ],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(certPath, pems.cert);
  writeFileSync(keyPath, privateKey, { mode: 0o600 });
  return { cert: pems.cert, key: privateKey, certPath };
}

/** A certificate of its own in a temporary directory, for a test; `dispose()` removes the directory. */
export async function temporaryCertificate(
  prefix = 'local-cert-',
): Promise<LocalCertificate & { dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cert = await localCertificate(dir);
  return { ...cert, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
