import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type HostHandle, startHost } from '@mds/functions-host';
import { type Benchmark, type Measurement, WallClock } from '@mds/platform-kit';
import { type Page } from 'playwright-core';
import { launchChromium, signInOnConsole } from '../browser';
import { startStack } from '../stack';

const loads = 5;
const appRoot = join(__dirname, '..', '..', '..', '..');
/** What `npm run build` wrote (the bench script builds first). */
const assetsPath = join(appRoot, 'dist', 'console');
const budgetGzipBytes = 300 * 1024;
const budgetFcpMs = 1000;

/**
 * The operator console on the local stack, in Debian's Chromium: the size of its built assets (JavaScript gzipped at
 * the default level, as a server compresses; goal under 300 KB) and its first contentful paint, measured by the
 * browser (`first-contentful-paint`), for a first visit with an empty cache and for a reload with the hashed assets
 * cached; then, signed in, the time until the fleet overview's table shows (the API's answers included).
 */
export const consoleLoad: Benchmark = {
  name: `Operator console: asset sizes and first contentful paint, ${loads} loads each`,
  run: async () => {
    const sizes = assetSizes();
    const stack = await startStack({ clock: new WallClock(), ports: 'ephemeral' });
    let host: HostHandle | undefined;
    const browser = await launchChromium(readFileSync(stack.settings.TRUSTED_CA_CERT_PATH ?? '', 'utf8'));
    try {
      host = await startHost({
        entry: join(__dirname, '..', '..', '..', 'functions', 'index.js'),
        appRoot,
        settings: { ...stack.settings, CONSOLE_ASSETS_PATH: assetsPath },
        log: () => undefined,
      });
      const url = `${host.baseUrl}/console/`;
      const cold: number[] = [];
      for (let i = 0; i < loads; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        cold.push(await firstContentfulPaint(await context.newPage(), url));
        await context.close();
      }
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(url);
      const warm: number[] = [];
      for (let i = 0; i < loads; i++) warm.push(await firstContentfulPaint(page, url));
      const lead = stack.operators.find((operator) => operator.handle === 'lead');
      if (!lead) throw new Error('the stack seeded no lead operator');
      await signInOnConsole(page, url, lead);
      const fleet: number[] = [];
      for (let i = 0; i < loads; i++) {
        const started = performance.now();
        await page.goto(url);
        await page.getByRole('table', { name: 'Tenants in your scope' }).waitFor();
        fleet.push(performance.now() - started);
      }
      await context.close();
      const verdict = (ms: number) => (ms < budgetFcpMs ? 'within' : 'OVER');
      const line = (label: string, samples: number[], details: string): Measurement => ({
        label,
        operations: samples.length,
        ms: samples.reduce((sum, ms) => sum + ms, 0),
        details: `median ${median(samples).toFixed(0)} ms, worst ${Math.max(...samples).toFixed(0)} ms; ${details}`,
      });
      return [
        line(
          'FCP, cold cache',
          cold,
          `${verdict(median(cold))} the ${budgetFcpMs} ms goal; JS ${kb(sizes.js)} raw, ${kb(sizes.jsGzip)} gzipped ` +
            `(${sizes.jsGzip < budgetGzipBytes ? 'within' : 'OVER'} the 300 KB goal), CSS ${kb(sizes.cssGzip)} gzipped`,
        ),
        line(
          'FCP, warm cache',
          warm,
          `${verdict(median(warm))} the ${budgetFcpMs} ms goal (assets immutable)`,
        ),
        line('fleet table shown', fleet, 'signed in, reload to the fleet overview with its API calls'),
      ];
    } finally {
      await browser.close();
      await host?.stop();
      await stack.stop();
    }
  },
};

async function firstContentfulPaint(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'load' });
  // The browser's own paint timing entry (Chromium records it once the first text or image is painted).
  const paint = await page.waitForFunction(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
  );
  return (await paint.jsonValue()) as number;
}

function assetSizes(): { js: number; jsGzip: number; cssGzip: number } {
  const files = readdirSync(join(assetsPath, 'assets')).map((name) => ({
    name,
    body: readFileSync(join(assetsPath, 'assets', name)),
  }));
  const sum = (suffix: string, size: (body: Buffer) => number) =>
    files.filter((file) => file.name.endsWith(suffix)).reduce((total, file) => total + size(file.body), 0);
  return {
    js: sum('.js', (body) => body.length),
    jsGzip: sum('.js', (body) => gzipSync(body).length),
    cssGzip: sum('.css', (body) => gzipSync(body).length),
  };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
