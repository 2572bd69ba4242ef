import { useAuth } from './context';

/** The header's "who is signed in": name, role and a way out. */
export function UserMenu() {
  const { user, session } = useAuth();
  if (!user) return null;
  return (
    <div className="user-menu" data-testid="user-menu">
      <span className="user-menu__who">
        <span className="sr-only">Signed in as </span>
        <span className="user-menu__name" data-testid="user-name">
          {user.name}
        </span>
        <span className="user-menu__role" data-testid="user-role" title={user.roles.join(', ') || 'no role'}>
          {user.role ?? 'no role'}
        </span>
      </span>
      <button type="button" className="button button--small button--on-dark" onClick={() => void session.signOut()}>
        Sign out
      </button>
    </div>
  );
}
