import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type OperatorApiImplementations } from '../endpoint';
import { openApiDocument } from '../openapi';

/**
 * `GET /openapi.json` and `GET /docs`: the document, built once per process, and a Swagger UI page that inlines the
 * pinned swagger-ui-dist bundle (no CDN, nothing fetched but the document itself). The page's content security
 * policy allows exactly its two inline scripts by hash.
 */
export function docsHandlers(version: string): Pick<OperatorApiImplementations, 'openApiDocument' | 'docs'> {
  let document: string | undefined;
  let page: { html: string; csp: string } | undefined;
  return {
    openApiDocument: () => {
      document ??= JSON.stringify(openApiDocument(version));
      return Promise.resolve({
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
        body: document,
      });
    },
    docs: () => {
      page ??= docsPage();
      return Promise.resolve({
        status: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'public, max-age=300',
          'content-security-policy': page.csp,
          'x-content-type-options': 'nosniff',
        },
        body: page.html,
      });
    },
  };
}

function docsPage(): { html: string; csp: string } {
  const dist = dirname(require.resolve('swagger-ui-dist/package.json'));
  const bundle = readFileSync(join(dist, 'swagger-ui-bundle.js'), 'utf8').replace(
    /<\/script/gi,
    '<\\/script',
  );
  const css = readFileSync(join(dist, 'swagger-ui.css'), 'utf8').replace(/<\/style/gi, '<\\/style');
  // Relative to /api/v1/docs, so the page works behind any host name or prefix.
  const init = `window.ui = SwaggerUIBundle({ url: './openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });`;
  const hash = (script: string) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Managed Desktop Security operator API</title>
<style>${css}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script>${bundle}</script>
<script>${init}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src ${hash(bundle)} ${hash(init)}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
