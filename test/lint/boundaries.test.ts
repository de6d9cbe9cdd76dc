import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the rules are a CommonJS config module
const boundaries = require('../../eslint.boundaries.js') as { configs: Linter.Config[] };

const root = path.join(__dirname, '../..');

/** Lints one fixture as if it stood at `file`, against exactly the boundary rules of eslint.config.js. */
async function lintAt(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser } },
      ...boundaries.configs,
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['shared/onboarding/fixture.ts', "import { startHost } from '../../local/host';"],
    ['shared/fixture.ts', "import { startHost } from '@mds/functions-host';"],
    ['functions/http/fixture.ts', "import { VirtualClock } from '../../local/kit/clock';"],
  ])('refuses product code at %s importing the platform', async (file, code) => {
    expect(await lintAt(file, code)).toEqual([
      expect.stringContaining('Product code never imports the offline platform (local/)'),
    ]);
  });

  it.each([
    ['local/host/fixture.ts', "import { composition } from '../../shared/composition';"],
    [
      'local/servicebus/fixture.ts',
      "import { messagingEntities } from '../../shared/platform/declarations';",
    ],
    ['local/tenant-sim/routes/fixture.ts', "import '../../../functions/index';"],
    ['local/keyvault/fixture.ts', "import { startStack } from '@mds/dev';"],
  ])('refuses a platform package at %s importing product code', async (file, code) => {
    expect(await lintAt(file, code)).toEqual([
      expect.stringContaining('Platform packages never import product code'),
    ]);
  });

  it.each([
    ['local/dev/fixture.ts', "import { composition } from '../../shared/composition';"],
    ['local/dev/fixture.ts', "import { startHost } from '@mds/functions-host';"],
    ['local/host/fixture.ts', "import { VirtualClock } from '@mds/platform-kit';"],
    ['shared/onboarding/fixture.ts', "import { tenantLayout } from '../domain/tenant-layout';"],
  ])('lets %s import what its layer may', async (file, code) => {
    expect(await lintAt(file, code)).toEqual([]);
  });
});
