import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { NotFoundError } from '../errors';
import { toProblemResponse } from '../http/problem';

/** What the single-page app needs to sign in, served as `/console/config.json` (nothing secret). */
export interface ConsoleSettings {
  /** `https://login.microsoftonline.com/<operator tenant>` (locally the tenant simulator). */
  authority: string;
  /** The console's app registration; undefined: sign-in is not configured. */
  clientId: string | undefined;
  /** `<OPERATOR_API_AUDIENCE>/<scope>`. */
  apiScope: string;
  /** The authentication context privileged actions need (`acrs`). */
  privilegedContext: string;
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names built files `name-<hash>.ext` under `assets/`: their content never changes under that name. */
const hashedAsset = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const immutable = 'public, max-age=31536000, immutable';
const revalidate = 'no-cache';

/**
 * Serves the built console under `/console/`: hashed assets cached for a year (immutable), `index.html` and
 * everything else revalidated (no-cache, with an ETag), any other path without a file extension answered with
 * `index.html` (the app routes in the browser), and `config.json` from the settings. The files are read once, on
 * the first request; nothing is fetched from a CDN, and the page's content security policy allows only this origin
 * and the sign-in authority.
 */
export function consoleHandler(
  assetsPath: string,
  settings: ConsoleSettings,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  let assets: Promise<Map<string, Asset>> | undefined;
  const authorityOrigin = new URL(settings.authority).origin;
  const securityHeaders = {
    'content-security-policy': [
      "default-src 'self'",
      `connect-src 'self' ${authorityOrigin}`,
      "img-src 'self' data:",
      "style-src 'self' 'unsafe-inline'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      `form-action ${authorityOrigin}`,
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const config = JSON.stringify(settings);

  return async (request, context) => {
    try {
      const path = (request.params.path ?? '').replace(/^\/+/, '');
      if (path === 'config.json')
        return {
          status: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...securityHeaders },
          body: config,
        };
      assets ??= loadAssets(assetsPath).catch((error: unknown) => {
        assets = undefined;
        throw error;
      });
      const files = await assets;
      const asset =
        files.get(path === '' ? 'index.html' : path) ??
        (extname(path) === '' ? files.get('index.html') : undefined);
      if (!asset) throw new NotFoundError(`The console has no file ${path}.`);
      return answer(asset, request.headers.get('if-none-match'), request.method === 'HEAD', securityHeaders);
    } catch (error) {
      return toProblemResponse(error, request, context);
    }
  };
}

function answer(
  asset: Asset,
  ifNoneMatch: string | null,
  head: boolean,
  securityHeaders: Record<string, string>,
): HttpResponseInit {
  const headers = {
    'content-type': asset.type,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
    ...securityHeaders,
  };
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === asset.etag)) return { status: 304, headers };
  return { status: 200, headers, ...(head ? {} : { body: asset.body }) };
}

async function loadAssets(root: string): Promise<Map<string, Asset>> {
  let entries: string[];
  try {
    entries = (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch (error) {
    throw new NotFoundError('The console is not built here: `npm run build` writes it to dist/console.', {
      cause: error,
    });
  }
  const assets = new Map<string, Asset>();
  for (const file of entries) {
    const name = relative(root, file).split(sep).join('/');
    const body = await readFile(file);
    assets.set(name, {
      body,
      type: types[extname(name)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: hashedAsset.test(name) ? immutable : revalidate,
    });
  }
  if (!assets.has('index.html'))
    throw new NotFoundError('The console is not built here: `npm run build` writes it to dist/console.');
  return assets;
}
