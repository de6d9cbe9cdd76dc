import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The operator console, built to dist/console at the repository root, where the Functions app serves it under
 * /console/ (shared/console). Preact's automatic JSX runtime; no plugin beyond Vite's own transform.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
