import { useState } from 'react';
import { BrandMark } from '../components/BrandMark';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useAuth } from './context';

const titles = {
  'signed-out': 'You have signed out',
  required: 'Sign in to ReelMetrics',
  failed: 'Signing in did not complete',
} as const;

/**
 * What a visitor who is not signed in sees: the product's brand and one button to the identity
 * service. `redirecting` says the dashboard is already on its way there.
 */
export function SignInPage({ reason, redirecting = false }: { reason: 'signed-out' | 'required' | 'failed'; redirecting?: boolean }) {
  useDocumentTitle('Sign in');
  const { session } = useAuth();
  const [failed, setFailed] = useState(false);

  const signIn = () => {
    setFailed(false);
    session.signIn().catch(() => setFailed(true));
  };

  return (
    <main className="signin" id="main" data-testid="signin-page">
      <div className="signin__card">
        <p className="brand signin__brand">
          <BrandMark />
          <span className="brand__name">ReelMetrics</span>
        </p>
        <h1 className="signin__title">{titles[reason]}</h1>
        <p className="signin__text">Live ticket sales are confidential. Sign in with your ReelMetrics account to see the dashboard.</p>
        {redirecting && !failed ? (
          <p className="state state--loading" role="status">
            <span className="spinner" aria-hidden="true" />
            Taking you to sign in…
          </p>
        ) : null}
        {failed ? (
          <p className="state state--error" role="alert">
            The sign-in service could not be reached. Try again in a moment.
          </p>
        ) : null}
        <button type="button" className="button button--primary signin__button" onClick={signIn}>
          Sign in
        </button>
      </div>
    </main>
  );
}
