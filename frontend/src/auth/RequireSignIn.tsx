import { useEffect, useState, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { useAuth } from './context';
import { SignInPage } from './SignInPage';

/**
 * Shows its children only to a signed-in user. Anyone else is sent to the identity service at
 * once, with this page as the return address, unless they just signed out: then they get the
 * sign-in page and choose.
 */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const { status, session } = useAuth();
  const location = useLocation();
  const [failed, setFailed] = useState(false);
  const redirect = status === 'signed-out' && !session.signedOut && !failed;
  const returnUrl = `${location.pathname}${location.search}${location.hash}`;

  useEffect(() => {
    if (!redirect) return;
    session.signIn(returnUrl).catch(() => setFailed(true));
  }, [redirect, session, returnUrl]);

  if (status === 'loading') return null;
  if (status === 'signed-out') {
    return <SignInPage reason={session.signedOut ? 'signed-out' : 'required'} redirecting={redirect} />;
  }
  return children;
}
