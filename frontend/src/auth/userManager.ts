import { UserManager, WebStorageStateStore, type OidcMetadata } from 'oidc-client-ts';

export const CLIENT_ID = 'reelmetrics-dashboard';
export const SCOPES = 'openid profile roles offline_access reelmetrics.api';
export const SIGNIN_CALLBACK_PATH = '/signin-callback';

/**
 * The OpenID Connect client of the dashboard: authorization code with PKCE (S256) against the
 * identity service, tokens kept in sessionStorage (gone with the tab), renewed before they expire
 * with the refresh token (`offline_access`), so no hidden iframe is needed.
 * `metadata` skips discovery (tests).
 */
export function createUserManager(
  authority: string,
  origin: string = window.location.origin,
  metadata?: Partial<OidcMetadata>,
): UserManager {
  return new UserManager({
    authority,
    metadata,
    client_id: CLIENT_ID,
    redirect_uri: `${origin}${SIGNIN_CALLBACK_PATH}`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: SCOPES,
    automaticSilentRenew: true,
    loadUserInfo: false,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}
