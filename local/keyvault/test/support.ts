import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretClient } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/identity';
import { localCertificate } from '@mds/platform-kit';
import {
  type KeyVaultOptions,
  type RunningKeyVault,
  localKeyVaultCredential,
  localSecretClientOptions,
  startKeyVault,
} from '..';

export interface TestVault {
  vault: RunningKeyVault;
  /** The PEM the clients trust. */
  ca: string;
  client(credential?: TokenCredential): SecretClient;
  close(): Promise<void>;
}

/**
 * Starts a stand-in on an ephemeral port with a certificate of its own: test files run in parallel
 * workers, and sharing the stack's certificate directory would race its first creation.
 */
export async function startTestVault(options: Omit<KeyVaultOptions, 'cert'> = {}): Promise<TestVault> {
  const certDir = mkdtempSync(join(tmpdir(), 'kv-test-'));
  const cert = await localCertificate(certDir);
  const vault = await startKeyVault({ ...options, cert });
  return {
    vault,
    ca: cert.cert,
    client: (credential = localKeyVaultCredential()) =>
      new SecretClient(vault.url, credential, localSecretClientOptions(cert.cert)),
    close: async () => {
      await vault.stop();
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A plain HTTPS request, for what the SDK would not send (no token, malformed query). */
export function rawRequest(
  url: string,
  ca: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, ca, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as unknown) : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The error an SDK call rejects with, so that a test can assert on its fields. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ code?: string; statusCode?: number; message: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; statusCode?: number; message: string };
  }
  throw new Error('expected the call to fail');
}
