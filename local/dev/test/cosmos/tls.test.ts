import { DefaultAzureCredential } from '@azure/identity';
import { createCosmos } from '../../../../shared/platform/cosmos/client';
import { trustedTls } from '../../../../shared/platform/tls';
import { stackSettings } from '../../../../test/support/stack';

describe('Cosmos client TLS trust', () => {
  const settings = stackSettings();
  const cosmosSettings = {
    COSMOS_ENDPOINT: settings.COSMOS_ENDPOINT ?? '',
    COSMOS_KEY: settings.COSMOS_KEY ?? '',
    COSMOS_DATABASE: settings.COSMOS_DATABASE ?? '',
  };

  it('trusts the stand-in because TRUSTED_CA_CERT_PATH is given to the client', async () => {
    const { client, database } = createCosmos(
      cosmosSettings,
      () => new DefaultAzureCredential(),
      trustedTls(settings.TRUSTED_CA_CERT_PATH),
    );
    try {
      expect((await database.read()).resource?.id).toBe(cosmosSettings.COSMOS_DATABASE);
    } finally {
      client.dispose();
    }
  });

  it('refuses the stand-in without it: nothing process-wide trusts the certificate', async () => {
    const { client, database } = createCosmos(cosmosSettings, () => new DefaultAzureCredential(), undefined);
    try {
      await expect(database.read()).rejects.toThrow(/certificate/i);
    } finally {
      client.dispose();
    }
  });
});
