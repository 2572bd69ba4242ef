import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { User } from 'oidc-client-ts';
import { AuthContext, type AuthStatus } from './context';
import { signedInUser, type SignedInUser } from './roles';
import type { AuthSession } from './session';

interface State {
  status: AuthStatus;
  user: SignedInUser | undefined;
}

const fromUser = (user: User | null): State =>
  user ? { status: 'signed-in', user: signedInUser(user) } : { status: 'signed-out', user: undefined };

/** Follows the session's user: loaded from sessionStorage at start, then on every sign-in, renewal and sign-out. */
export function AuthProvider({ session, children }: { session: AuthSession; children: ReactNode }) {
  const [state, setState] = useState<State>({ status: 'loading', user: undefined });

  useEffect(() => {
    let active = true;
    void session.user().then((user) => {
      if (active) setState(fromUser(user));
    });
    const { events } = session.manager;
    const loaded = events.addUserLoaded((user) => setState(fromUser(user)));
    const unloaded = events.addUserUnloaded(() => setState(fromUser(null)));
    return () => {
      active = false;
      loaded();
      unloaded();
    };
  }, [session]);

  const value = useMemo(() => ({ session, ...state }), [session, state]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
