import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { useAuth } from './context';
import { SignInPage } from './SignInPage';

/** `/signin-callback`: trades the identity service's code for tokens, then returns to the page the user came from. */
export function SigninCallbackPage() {
  const { session } = useAuth();
  const navigate = useNavigate();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let active = true;
    session.completeSignIn().then(
      (returnUrl) => {
        if (active) void navigate(returnUrl, { replace: true });
      },
      () => {
        if (active) setFailed(true);
      },
    );
    return () => {
      active = false;
    };
  }, [session, navigate]);

  if (failed) return <SignInPage reason="failed" />;
  return (
    <main className="signin" id="main">
      <p className="state state--loading" role="status">
        <span className="spinner" aria-hidden="true" />
        Signing you in…
      </p>
    </main>
  );
}
