import Module from 'node:module';
import path from 'node:path';

/**
 * Makes `require('@azure/functions-core')` resolve to the local shim under plain node, as the real worker
 * does by wrapping `Module.prototype.require`. Only that one request name is touched. Jest does not need
 * this (its moduleNameMapper maps the name), and calling it there is harmless.
 *
 * Use it either programmatically (the host calls it before loading the app) or as a preload:
 * `node -r ./dist/local/host/preload.js dist/functions/index.js`.
 */
const coreModuleName = '@azure/functions-core';

interface ResolvableModule {
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
}

let installed = false;

export function installFunctionsCoreResolver(): void {
  if (installed) return;
  const resolvable = Module as unknown as ResolvableModule;
  const original = resolvable._resolveFilename.bind(Module);
  const shimPath = path.join(__dirname, 'functions-core');
  resolvable._resolveFilename = (request, parent, isMain, options) =>
    original(request === coreModuleName ? shimPath : request, parent, isMain, options);
  installed = true;
}
