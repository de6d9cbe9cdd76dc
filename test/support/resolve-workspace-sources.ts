// Imported first by the global setup and teardown: see workspace-sources.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveWorkspaceSources } = require('./workspace-sources.js') as {
  resolveWorkspaceSources: () => void;
};
resolveWorkspaceSources();
