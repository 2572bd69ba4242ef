import { useEffect, useRef } from 'react';
import { Route, Routes, useLocation } from 'react-router';
import { AlertBanner } from './alerts/AlertBanner';
import { AlertsPage } from './alerts/AlertsPage';
import { BACKEND_LABELS } from './api/backend';
import { RequireSignIn } from './auth/RequireSignIn';
import { SigninCallbackPage } from './auth/SigninCallbackPage';
import { SIGNIN_CALLBACK_PATH } from './auth/userManager';
import { BackendDownBanner } from './backend/BackendDownBanner';
import { useBackend } from './backend/context';
import { DeadLettersPage } from './dead-letters/DeadLettersPage';
import { AppHeader } from './layout/AppHeader';
import { LivePage } from './live/LivePage';
import { LiveStreamProvider } from './live/LiveStreamProvider';
import { NotFoundPage } from './layout/NotFoundPage';
import { TheaterListPage } from './theaters/TheaterListPage';
import { TheaterPage } from './theaters/TheaterPage';
import { TopTheaterPage } from './top-theater/TopTheaterPage';

/** Moves focus to the page's content after client-side navigation, as a page load would. */
function useFocusOnNavigate() {
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [pathname]);
  return main;
}

/** The routes: the sign-in callback, and the dashboard for signed-in users only. */
export function App() {
  return (
    <Routes>
      <Route path={SIGNIN_CALLBACK_PATH} element={<SigninCallbackPage />} />
      <Route
        path="*"
        element={
          <RequireSignIn>
            <Dashboard />
          </RequireSignIn>
        }
      />
    </Routes>
  );
}

export function Dashboard() {
  const main = useFocusOnNavigate();
  const { backend } = useBackend();
  return (
    <LiveStreamProvider>
      <div className="app">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <AppHeader />
        <BackendDownBanner />
        <AlertBanner />
        <main id="main" ref={main} tabIndex={-1} className="app-main">
          <Routes>
            <Route path="/" element={<LivePage />} />
            <Route path="/theaters" element={<TheaterListPage />} />
            <Route path="/theaters/:theaterId" element={<TheaterPage />} />
            <Route path="/top-theater" element={<TopTheaterPage />} />
            <Route path="/alerts" element={<AlertsPage />} />
            <Route path="/dead-letters" element={<DeadLettersPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </main>
        <footer className="app-footer">
          <span>
            Reading from the <strong data-testid="current-backend">{BACKEND_LABELS[backend]}</strong> API
          </span>
          <span>Money in USD</span>
        </footer>
      </div>
    </LiveStreamProvider>
  );
}
