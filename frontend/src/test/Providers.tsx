import { useState, type ReactNode } from 'react';
import { AuthProvider } from '../auth/AuthProvider';
import type { AuthSession } from '../auth/session';
import { BackendProvider } from '../backend/BackendProvider';
import { testSession } from './auth';

/** The app's providers, with a signed-in viewer unless another session is given. */
export function Providers({ children, session }: { children: ReactNode; session?: AuthSession }) {
  const [current] = useState(() => session ?? testSession());
  return (
    <AuthProvider session={current}>
      <BackendProvider>{children}</BackendProvider>
    </AuthProvider>
  );
}
