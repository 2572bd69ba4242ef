import { Link, NavLink } from 'react-router';
import { useAuth } from '../auth/context';
import { UserMenu } from '../auth/UserMenu';
import { BackendSwitch } from '../backend/BackendSwitch';
import { BrandMark } from '../components/BrandMark';
import { canHandleDeadLetters } from '../dead-letters/access';
import { useLiveTotals } from '../hooks/useLiveTotals';
import { FreshnessIndicator } from '../live/FreshnessIndicator';

const navItems = [
  { to: '/', label: 'Live', end: true },
  { to: '/theaters', label: 'Theaters', end: false },
  { to: '/top-theater', label: 'Top theater', end: false },
  { to: '/alerts', label: 'Alerts', end: false },
];

/** Pages for operators and admins only. */
const operatorNavItems = [{ to: '/dead-letters', label: 'Dead letters', end: false }];

export function AppHeader() {
  const { user } = useAuth();
  const items = canHandleDeadLetters(user) ? [...navItems, ...operatorNavItems] : navItems;
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
            {items.map((item) => (
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
