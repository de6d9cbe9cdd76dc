import { createHash, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type LocalOperator, localOperatorPassword } from './stack/operators';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it): playwright-core never downloads a browser. */
export const chromiumPath = '/usr/bin/chromium';

const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * One headless Chromium (a fresh profile of its own, as playwright-core's launch makes it) that trusts exactly the
 * stack's certificate, as a machine that installed the stack's CA would: the simulator's sign-in page is HTTPS.
 */
export async function launchChromium(stackCaPem: string): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(`No browser at ${chromiumPath}: apt-get install -y chromium (the browser tests need it)`);
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...chromiumFlags, `--ignore-certificate-errors-spki-list=${spkiHash(stackCaPem)}`],
  });
}

/** Base64 SHA-256 of the certificate's public key, as `--ignore-certificate-errors-spki-list` takes it. */
function spkiHash(certificatePem: string): string {
  const spki = createPublicKey(certificatePem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Signs in on the simulator's page as the operator: the console's button, the account and password, then the
 * Authenticator approval for operators with MFA. Ends on the console, signed in.
 */
export async function signInOnConsole(
  page: Page,
  consoleUrl: string,
  operator: LocalOperator,
): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await completeSignIn(page, operator);
}

/**
 * On the simulator's sign-in page (where the console's sign-in or a step-up sent the browser): the account and
 * password, the Authenticator approval for operators with MFA, and back on the console, signed in.
 */
export async function completeSignIn(page: Page, operator: LocalOperator): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel(new RegExp(operator.displayName)).check();
  await page.getByLabel('Password').fill(localOperatorPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (operator.amr.includes('mfa')) {
    await page.getByRole('heading', { name: 'Approve sign-in request' }).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();
  }
  try {
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 15_000 });
  } catch (error) {
    const text = (await page.locator('body').innerText()).slice(0, 600);
    throw new Error(`${operator.handle} is not signed in: at ${page.url()} the page says ${text}`, {
      cause: error,
    });
  }
}
