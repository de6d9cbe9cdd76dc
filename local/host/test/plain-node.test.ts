import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { tempDir } from './support';

const root = path.join(__dirname, '..', '..', '..');
const run = promisify(execFile);

function sourcesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() && entry.name === 'test'
      ? []
      : entry.isDirectory()
        ? sourcesUnder(path.join(dir, entry.name))
        : entry.name.endsWith('.ts')
          ? [path.join(dir, entry.name)]
          : [],
  );
}

/** Transpiles the host and a fixture to CommonJS the way `npm run build` would, without type checking. */
function transpile(files: string[], outDir: string): void {
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(root, file), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    const target = path.join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
}

describe('local host under plain node (npm start path)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('answers @azure/functions-core through the preload and serves the compiled app', async () => {
    transpile(
      [
        ...sourcesUnder('local/host'),
        ...sourcesUnder('local/kit'),
        'local/host/test/fixtures/prefixed/index.ts',
      ],
      tmp.dir,
    );
    // The workspace link, as npm makes it: the host finds the kit as a package, by its compiled `main`.
    const kitLink = path.join(tmp.dir, 'node_modules', '@mds', 'platform-kit');
    mkdirSync(kitLink, { recursive: true });
    writeFileSync(
      path.join(kitLink, 'package.json'),
      JSON.stringify({ name: '@mds/platform-kit', main: '../../../local/kit/index.js' }),
    );
    writeFileSync(
      path.join(tmp.dir, 'host.json'),
      JSON.stringify({ version: '2.0', extensions: { http: { routePrefix: 'v1' } } }),
    );
    const script = `
      const core = require('@azure/functions-core');
      if (typeof core.captureApp !== 'function') throw new Error('preload did not install the shim');
      const { startHost } = require('./local/host/host.js');
      (async () => {
        const host = await startHost({ entry: './local/host/test/fixtures/prefixed/index.js', appRoot: '.', settings: { HUB_NAME: 'Hub' }, log: () => undefined });
        const res = await fetch(host.baseUrl + '/v1/hello/node');
        console.log(JSON.stringify({ status: res.status, body: await res.text(), keysFile: require('fs').existsSync('.local/host-keys.json') }));
        await host.stop();
      })().catch((error) => { console.error(error); process.exitCode = 1; });
    `;
    const { stdout, stderr } = await run(process.execPath, ['-r', './local/host/preload.js', '-e', script], {
      cwd: tmp.dir,
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
      timeout: 20_000,
    });
    expect(stderr).not.toMatch(/test mode/);
    expect(JSON.parse(stdout.trim())).toEqual({ status: 200, body: 'hello node', keysFile: true });
  });
});
