import type { User, UserManager } from 'oidc-client-ts';

/** What the API client needs from the sign-in: a token, one renewal, and a way out. */
export interface AccessTokens {
  /** The current access token; undefined when nobody is signed in. */
  accessToken(): Promise<string | undefined>;
  /** Renews the access token once (refresh token); undefined when the session cannot be renewed. */
  renew(): Promise<string | undefined>;
  /** The session is over: sign in again and come back to the page the user is on. */
  sessionExpired(): void;
}

/** State kept through the identity service's round trip (the OIDC `state`). */
interface SignInState {
  returnUrl: string;
}

const SIGNED_OUT_KEY = 'reelmetrics.signedOut';
const COMPLETED_KEY = 'reelmetrics.signInCompleted';

/** The sign-in this tab completed last: its OIDC `state` and where it went. */
interface CompletedSignIn {
  state: string;
  returnUrl: string;
}

function readCompletedSignIn(): Partial<CompletedSignIn> | undefined {
  try {
    return JSON.parse(window.sessionStorage.getItem(COMPLETED_KEY) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

/** The page the user is on, as a path of this origin. */
export function currentPage(): string {
  const { pathname, search, hash } = window.location;
  return `${pathname}${search}${hash}`;
}

/** A return URL from the OIDC state is trusted only as a path of this origin (no open redirect). */
export function safeReturnUrl(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}

/**
 * The one home of the dashboard's sign-in: wraps oidc-client-ts's UserManager. Renewals are shared
 * (many requests failing with 401 at once cause one refresh), and a session that cannot be renewed
 * sends the user to sign in again with the current page in the OIDC state, so they come back to it.
 */
export class AuthSession implements AccessTokens {
  readonly manager: UserManager;
  private renewing: Promise<string | undefined> | undefined;
  private redirecting = false;
  private callback: Promise<string> | undefined;

  constructor(manager: UserManager) {
    this.manager = manager;
    // Automatic renewal failed and the token has now run out: one last try, then sign in again.
    manager.events.addAccessTokenExpired(() => {
      void this.renew().then((token) => {
        if (!token) this.sessionExpired();
      });
    });
  }

  /** The signed-in user, or null. An expired one counts (its refresh token may still work). */
  user(): Promise<User | null> {
    return this.manager.getUser();
  }

  async accessToken(): Promise<string | undefined> {
    const user = await this.manager.getUser();
    if (!user) return undefined;
    if (user.expired) return this.renew();
    return user.access_token;
  }

  renew(): Promise<string | undefined> {
    this.renewing ??= this.manager
      .signinSilent()
      .then((user) => user?.access_token)
      .catch(() => undefined)
      .finally(() => {
        this.renewing = undefined;
      });
    return this.renewing;
  }

  sessionExpired(): void {
    void this.signIn(currentPage());
  }

  /** Goes to the identity service's sign-in; afterwards the user lands on `returnUrl`. */
  async signIn(returnUrl: string = currentPage()): Promise<void> {
    if (this.redirecting) return;
    this.redirecting = true;
    window.sessionStorage.removeItem(SIGNED_OUT_KEY);
    try {
      await this.manager.signinRedirect({ state: { returnUrl: safeReturnUrl(returnUrl) } satisfies SignInState });
    } catch (error) {
      this.redirecting = false;
      throw error;
    }
  }

  /**
   * Completes the sign-in on `/signin-callback` (code for tokens) and returns where to go.
   * Done once per page load: React's strict mode runs effects twice, and a code is single use.
   * A callback loaded again (reload, back button, a dev server's reload) finds its code spent: when it is the sign-in
   * this tab completed last and its user is still signed in, it goes where that sign-in went instead of failing.
   */
  completeSignIn(url: string = window.location.href): Promise<string> {
    const state = new URL(url).searchParams.get('state') ?? '';
    this.callback ??= this.manager.signinCallback(url).then(
      (user) => {
        const returnUrl = safeReturnUrl((user?.state as Partial<SignInState> | undefined)?.returnUrl);
        window.sessionStorage.setItem(COMPLETED_KEY, JSON.stringify({ state, returnUrl } satisfies CompletedSignIn));
        return returnUrl;
      },
      async (error: unknown) => {
        const completed = readCompletedSignIn();
        const user = await this.manager.getUser();
        if (state !== '' && completed?.state === state && user && !user.expired) return safeReturnUrl(completed.returnUrl);
        throw error;
      },
    );
    return this.callback;
  }

  /** Signs out at the identity service too; it sends the browser back to the dashboard's `/`. */
  async signOut(): Promise<void> {
    window.sessionStorage.setItem(SIGNED_OUT_KEY, 'true');
    try {
      await this.manager.signoutRedirect();
    } catch {
      // No end-session endpoint answered: at least forget the tokens here.
      await this.manager.removeUser();
    }
  }

  /** True after "Sign out": the dashboard then waits for a click instead of signing in again at once. */
  get signedOut(): boolean {
    return window.sessionStorage.getItem(SIGNED_OUT_KEY) === 'true';
  }
}
