import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';

/** The core pipeline's TLS option: `ca` replaces Node's CA list, so it lists the system CAs too. */
export interface TlsOptions {
  ca: string[];
}

/**
 * The TLS trust the app's HTTPS clients use: the system CAs plus the PEM named by `TRUSTED_CA_CERT_PATH` (the local
 * stand-ins' certificate). Nothing is changed process-wide: each client receives this explicitly.
 */
export interface TrustedTls {
  /** For clients on the Azure core pipeline. */
  tlsOptions: TlsOptions;
  /**
   * For clients that take an agent (Cosmos). The same trust compiled once into a secure context: an agent given `ca`
   * joins the whole CA list into its connection-pool key on every request, which measured at half the throughput.
   */
  httpsAgent: Agent;
}

/** Undefined without the setting, so that production clients keep their defaults. */
export function trustedTls(certPath: string | undefined): TrustedTls | undefined {
  if (!certPath) return undefined;
  const ca = [...rootCertificates, readFileSync(certPath, 'utf8')];
  return {
    tlsOptions: { ca },
    httpsAgent: new Agent({ secureContext: createSecureContext({ ca }), keepAlive: true }),
  };
}

/** Pipeline options that carry the extra trust when there is one, and nothing otherwise. */
export function pipelineTls(tls: TlsOptions | TrustedTls | undefined): { tlsOptions?: TlsOptions } {
  if (!tls) return {};
  return { tlsOptions: 'tlsOptions' in tls ? tls.tlsOptions : tls };
}
