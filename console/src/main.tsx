import { render } from 'preact';
import { Api, availableRoutes } from './api';
import { App } from './app';
import { Auth, type ConsoleConfig } from './auth';
import { ErrorView, type Me } from './ui';
import './styles.css';

/** Reads the settings, finishes a sign-in coming back from Entra ID (or starts one), asks the API who we are. */
async function boot(root: HTMLElement): Promise<void> {
  const config = (await (await fetch('/console/config.json')).json()) as ConsoleConfig;
  const auth = await Auth.start(config);
  if (!auth) {
    render(
      <main class="signin">
        <h1>Sign-in is not configured</h1>
        <p>Set OPERATOR_CONSOLE_CLIENT_ID to the console’s app registration in the operator tenant.</p>
      </main>,
      root,
    );
    return;
  }
  if (!auth.account) {
    render(
      <main class="signin">
        <h1>Managed Desktop Security</h1>
        <p>The operator console. Sign in with your operator account (Entra ID, with MFA).</p>
        <button type="button" onClick={() => void auth.signIn('select_account')}>
          Sign in
        </button>
      </main>,
      root,
    );
    return;
  }
  const api = new Api(auth);
  const [me, available] = await Promise.all([api.call<Me>('GET', 'me'), availableRoutes()]);
  render(<App session={{ api, auth, me, available }} />, root);
}

const root = document.getElementById('app') as HTMLElement;
// The static "Loading" line is not Preact's: it goes before the first render.
root.textContent = '';
boot(root).catch((error: unknown) => {
  render(
    <main class="signin">
      <h1>The console could not start</h1>
      <ErrorView error={error} />
    </main>,
    root,
  );
});
