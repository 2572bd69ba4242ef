import { Link } from 'react-router';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <div className="page">
      <h1 className="page__title">Page not found</h1>
      <p>
        There is nothing at this address. Go to the <Link to="/">live view</Link>.
      </p>
    </div>
  );
}
