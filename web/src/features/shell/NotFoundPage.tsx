import { Link } from 'react-router-dom';
import { Wordmark } from '../../components/Wordmark';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { useAuth } from '../../lib/authContext';

export function NotFoundPage() {
  const { user } = useAuth();
  useDocumentTitle('Page not found');
  return (
    <div className="auth-page">
      <header className="auth-header">
        <Wordmark />
      </header>
      <main className="auth-main" id="main">
        <section className="card empty-card" data-testid="not-found">
          <p className="eyebrow">404</p>
          <h1>Page not found</h1>
          <p className="muted">We couldn’t find the page you were looking for. It may have moved, or the link may be wrong.</p>
          <Link to={user ? '/practice' : '/'} className="button button-primary">
            {user ? 'Go to Practice' : 'Go to the home page'}
          </Link>
        </section>
      </main>
    </div>
  );
}
