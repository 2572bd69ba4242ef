import { Link, NavLink } from 'react-router';
import { BackendSwitch } from '../backend/BackendSwitch';

const navItems = [
  { to: '/', label: 'Live', end: true },
  { to: '/theaters', label: 'Theaters', end: false },
  { to: '/top-theater', label: 'Top theater', end: false },
];

export function AppHeader() {
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <Link to="/" className="brand" aria-label="ReelMetrics, live sales">
          <svg className="brand__mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <rect x="2" y="5" width="20" height="14" rx="2" />
            <path d="M6 5v14M18 5v14M2 9.5h4M2 14.5h4M18 9.5h4M18 14.5h4" />
          </svg>
          <span className="brand__name">ReelMetrics</span>
        </Link>
        <nav className="app-nav" aria-label="Main">
          <ul>
            {navItems.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end} className="app-nav__link">
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <BackendSwitch />
      </div>
    </header>
  );
}
