/**
 * Measures the stand-in: time to start (certificate already on disk), time of the first SDK call (challenge
 * round trip included) and sequential `getSecret` calls per second over two seconds.
 * Run: npx tsc --outDir /tmp/kv-measure --rootDir . --module commonjs --target ES2022 --esModuleInterop \
 *        --skipLibCheck local/keyvault/measure.ts && NODE_PATH=node_modules node /tmp/kv-measure/local/keyvault/measure.js
 */
import { performance } from 'node:perf_hooks';
import { SecretClient } from '@azure/keyvault-secrets';
import { localCertificate } from '@mds/platform-kit';
import { localKeyVaultCredential, localSecretClientOptions, startKeyVault } from '.';

async function main(): Promise<void> {
  const cert = await localCertificate();

  const startedAt = performance.now();
  const vault = await startKeyVault({ cert });
  const startMs = performance.now() - startedAt;

  try {
    const client = new SecretClient(
      vault.url,
      localKeyVaultCredential(),
      localSecretClientOptions(cert.cert),
    );
    const firstAt = performance.now();
    await client.setSecret('measure', 'value');
    const firstCallMs = performance.now() - firstAt;

    let gets = 0;
    const until = performance.now() + 2000;
    while (performance.now() < until) {
      await client.getSecret('measure');
      gets++;
    }
    console.log(
      JSON.stringify({
        startMs: Number(startMs.toFixed(1)),
        firstCallMs: Number(firstCallMs.toFixed(1)),
        getsIn2s: gets,
        getsPerSecond: gets / 2,
      }),
    );
  } finally {
    await vault.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
