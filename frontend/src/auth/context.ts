import { createContext, useContext } from 'react';
import type { SignedInUser } from './roles';
import type { AuthSession } from './session';

export type AuthStatus = 'loading' | 'signed-in' | 'signed-out';

export interface AuthContextValue {
  session: AuthSession;
  status: AuthStatus;
  /** Who is signed in, while `status` is `signed-in`. */
  user: SignedInUser | undefined;
}

export const AuthContext = createContext<AuthContextValue | undefined>(undefined);

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>.');
  return value;
}
