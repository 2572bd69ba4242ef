import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { BackendProvider } from './backend/BackendProvider';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('No #root element.');

createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <BackendProvider>
        <App />
      </BackendProvider>
    </BrowserRouter>
  </StrictMode>,
);
