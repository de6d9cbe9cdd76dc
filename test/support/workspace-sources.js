// @ts-check
/**
 * Where each `@mds/*` workspace package's source entry is. A package's `main` names its compiled file (what
 * `npm start` runs); tests run the sources instead: jest maps the names with `moduleNameMapper`, and the global setup,
 * which Jest runs with Node's own resolution, installs `resolveWorkspaceSources()` first.
 */
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const root = path.join(__dirname, '../..');

/** @returns {Record<string, string>} package name → absolute path of its `index.ts` */
function workspaceSources() {
  const local = path.join(root, 'local');
  /** @type {Record<string, string>} */
  const sources = {};
  for (const folder of fs.readdirSync(local)) {
    const manifest = path.join(local, folder, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const { name } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    sources[name] = path.join(local, folder, 'index.ts');
  }
  return sources;
}

/** Makes Node's own `require` resolve `@mds/*` to the sources, as jest does in test files. */
function resolveWorkspaceSources() {
  const sources = workspaceSources();
  // @ts-expect-error -- internal, but the stable way to redirect resolution without a loader flag
  const original = Module._resolveFilename;
  // @ts-expect-error -- see above
  Module._resolveFilename = function (request, ...rest) {
    return original.call(this, sources[request] ?? request, ...rest);
  };
}

module.exports = { workspaceSources, resolveWorkspaceSources };
