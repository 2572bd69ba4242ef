import type { User } from 'oidc-client-ts';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is signed in, as the header shows it. */
export interface SignedInUser {
  name: string;
  /** The user's ReelMetrics roles, lowest first. */
  roles: Role[];
  /** The highest of `roles`, or undefined for a user with none. */
  role: Role | undefined;
}

function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The payload of a JWT, or undefined when the token is not one (signature not checked: the APIs do that). */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const base64 = part
      .replaceAll('-', '+')
      .replaceAll('_', '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '=');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const payload: unknown = JSON.parse(json);
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `role` claim (one string, or an array when a user has several) of the ID token's profile,
 * else of the access token, which always carries it.
 */
export function signedInUser(user: User): SignedInUser {
  const profile = user.profile as Record<string, unknown>;
  let claimed = claimValues(profile.role);
  if (claimed.length === 0) claimed = claimValues(jwtPayload(user.access_token)?.role);
  const roles = ROLES.filter((role) => claimed.includes(role));
  const name = [profile.name, profile.preferred_username, user.profile.sub].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  return { name: name ?? 'signed in', roles, role: roles.at(-1) };
}
