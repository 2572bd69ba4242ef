import { Link, NavLink } from 'react-router';
import { UserMenu } from '../auth/UserMenu';
import { BackendSwitch } from '../backend/BackendSwitch';
import { BrandMark } from '../components/BrandMark';
import { useLiveTotals } from '../hooks/useLiveTotals';
import { FreshnessIndicator } from '../live/FreshnessIndicator';

const navItems = [
  { to: '/', label: 'Live', end: true },
  { to: '/theaters', label: 'Theaters', end: false },
  { to: '/top-theater', label: 'Top theater', end: false },
  { to: '/alerts', label: 'Alerts', end: false },
];

export function AppHeader() {
  const { status, statusReceivedAt, connection } = useLiveTotals();
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <Link to="/" className="brand" aria-label="ReelMetrics, live sales">
          <BrandMark />
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
        <FreshnessIndicator status={status} receivedAt={statusReceivedAt} connection={connection} />
        <BackendSwitch />
        <UserMenu />
      </div>
    </header>
  );
}
