import { User } from 'oidc-client-ts';
import { AuthSession } from '../auth/session';
import { CLIENT_ID, createUserManager } from '../auth/userManager';

/** A stand-in identity service: its endpoints are answered by `mockFetch`. */
export const TEST_AUTHORITY = 'http://identity.test';
export const TEST_METADATA = {
  issuer: `${TEST_AUTHORITY}/`,
  authorization_endpoint: `${TEST_AUTHORITY}/connect/authorize`,
  token_endpoint: `${TEST_AUTHORITY}/connect/token`,
  end_session_endpoint: `${TEST_AUTHORITY}/connect/endsession`,
};
export const TEST_ACCESS_TOKEN = 'access-token-1';

/** An unsigned JWT with these claims (what the UI reads; the APIs check signatures). */
export function testJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replaceAll('=', '').replaceAll('+', '-').replaceAll('/', '_');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

export interface TestUser {
  name?: string;
  role?: string | string[];
  /** Put the role into the ID token (profile) or only into the access token. */
  roleIn?: 'id-token' | 'access-token';
  accessToken?: string;
  refreshToken?: string;
  /** Seconds until the access token expires (negative: already expired). */
  expiresIn?: number;
}

/**
 * A real AuthSession (real UserManager, discovery skipped) with a user already signed in, stored
 * where the dashboard keeps it (sessionStorage). `null` for nobody signed in.
 */
export function testSession(user: TestUser | null = {}): AuthSession {
  const manager = createUserManager(TEST_AUTHORITY, 'http://localhost:3000', TEST_METADATA);
  if (user) {
    const { name = 'Vera Viewer', role = 'viewer', roleIn = 'id-token', refreshToken = 'refresh-token-1', expiresIn = 900 } = user;
    const now = Math.floor(Date.now() / 1000);
    const profile = {
      sub: 'user-1',
      name,
      iss: TEST_METADATA.issuer,
      aud: CLIENT_ID,
      iat: now,
      exp: now + 900,
      ...(roleIn === 'id-token' ? { role } : {}),
    };
    const stored = new User({
      id_token: testJwt(profile),
      access_token: user.accessToken ?? (roleIn === 'access-token' ? testJwt({ sub: 'user-1', role }) : TEST_ACCESS_TOKEN),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      scope: 'openid profile roles offline_access reelmetrics.api',
      profile: profile as User['profile'],
      expires_at: now + expiresIn,
    });
    window.sessionStorage.setItem(`oidc.user:${TEST_AUTHORITY}:${CLIENT_ID}`, stored.toStorageString());
  }
  return new AuthSession(manager);
}
