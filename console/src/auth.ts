import {
  type AccountInfo,
  BrowserCacheLocation,
  InteractionRequiredAuthError,
  PublicClientApplication,
} from '@azure/msal-browser';

/** `/console/config.json`, from the app's settings (shared/console). */
export interface ConsoleConfig {
  authority: string;
  clientId?: string;
  apiScope: string;
  privilegedContext: string;
}

/** What a step-up asks Entra ID for: a fresh MFA sign-in, or the privileged authentication context as well. */
export type StepUp = { kind: 'mfa' } | { kind: 'context'; context: string };

/**
 * Sign-in with Entra ID the way a browser app does it: MSAL's authorization code flow with PKCE, redirecting to the
 * operator tenant's sign-in page. Tokens live in session storage (MSAL's cache), never in local storage or cookies.
 * The authority is named as a known authority: no instance discovery against the public cloud.
 */
export class Auth {
  private constructor(
    private readonly msal: PublicClientApplication,
    readonly config: ConsoleConfig & { clientId: string },
  ) {}

  static async start(config: ConsoleConfig): Promise<Auth | undefined> {
    if (!config.clientId) return undefined;
    const msal = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: config.authority,
        knownAuthorities: [new URL(config.authority).host],
        redirectUri: `${location.origin}/console/`,
        postLogoutRedirectUri: `${location.origin}/console/`,
      },
      cache: { cacheLocation: BrowserCacheLocation.SessionStorage },
    });
    await msal.initialize();
    const result = await msal.handleRedirectPromise();
    const account = result?.account ?? msal.getAllAccounts()[0];
    if (account) msal.setActiveAccount(account);
    return new Auth(msal, { ...config, clientId: config.clientId });
  }

  get account(): AccountInfo | null {
    return this.msal.getActiveAccount();
  }

  signIn(prompt?: 'login' | 'select_account'): Promise<void> {
    return this.msal.loginRedirect({ scopes: [this.config.apiScope], ...(prompt ? { prompt } : {}) });
  }

  signOut(): Promise<void> {
    return this.msal.logoutRedirect({ account: this.account });
  }

  /** An access token for the operator API, from the cache or a refresh; a sign-in when neither can give one. */
  async token(): Promise<string> {
    const account = this.account;
    if (!account) {
      await this.signIn();
      throw new Error('Signing in…');
    }
    try {
      return (await this.msal.acquireTokenSilent({ scopes: [this.config.apiScope], account })).accessToken;
    } catch (error) {
      if (error instanceof InteractionRequiredAuthError) {
        await this.msal.acquireTokenRedirect({ scopes: [this.config.apiScope], account });
      }
      throw error;
    }
  }

  /**
   * Asks Entra ID for what the API's 403 named: a sign-in again with MFA, or the authentication context through a
   * `claims` request (as the API's WWW-Authenticate challenge says). The page comes back here after the sign-in.
   */
  stepUp(step: StepUp): Promise<void> {
    const account = this.account ?? undefined;
    if (step.kind === 'mfa')
      return this.msal.acquireTokenRedirect({ scopes: [this.config.apiScope], account, prompt: 'login' });
    return this.msal.acquireTokenRedirect({
      scopes: [this.config.apiScope],
      account,
      claims: JSON.stringify({ access_token: { acrs: { essential: true, value: step.context } } }),
    });
  }
}
