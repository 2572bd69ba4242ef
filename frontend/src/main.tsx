import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { AuthProvider } from './auth/AuthProvider';
import { AuthSession } from './auth/session';
import { loadDashboardSettings } from './auth/settings';
import { createUserManager } from './auth/userManager';
import { BackendProvider } from './backend/BackendProvider';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('No #root element.');

try {
  const settings = await loadDashboardSettings();
  const session = new AuthSession(createUserManager(settings.identity_url));
  createRoot(root).render(
    <StrictMode>
      <BrowserRouter>
        <AuthProvider session={session}>
          <BackendProvider>
            <App />
          </BackendProvider>
        </AuthProvider>
      </BrowserRouter>
    </StrictMode>,
  );
} catch (error) {
  // Without its settings the dashboard cannot sign anyone in: say so instead of a blank page.
  root.textContent = `ReelMetrics could not start: ${error instanceof Error ? error.message : String(error)}`;
}
