import { useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { LogOut, RefreshCw } from 'lucide-react';
import { initialsOf } from '../../components/MemberAvatar';
import { Wordmark } from '../../components/Wordmark';
import { useAuth } from '../../lib/authContext';
import { useMyProfile } from '../../lib/myProfileContext';

const NAV_ITEMS = [
  { to: '/practice', label: 'Practice', testId: 'nav-practice' },
  { to: '/sessions', label: 'Sessions', testId: 'nav-sessions' },
  { to: '/community', label: 'Community', testId: 'nav-community' },
  { to: '/profile', label: 'Profile', testId: 'nav-profile' },
] as const;


function UserMenu() {
  const { user, bootstrap, signOut } = useAuth();
  const { profile } = useMyProfile();
  const [signingOut, setSigningOut] = useState(false);

  const bootName = typeof bootstrap.profile?.displayName === 'string' ? bootstrap.profile.displayName : '';
  const name =
    profile?.displayName || bootName || user?.displayName || user?.email?.split('@')[0] || 'You';

  async function handleSignOut() {
    setSigningOut(true);
    try {
      // RequireAuth sees the explicit sign-out and sends the user to the landing page.
      await signOut();
    } catch {
      setSigningOut(false);
    }
  }

  return (
    <div className="user-menu">
      <span className="avatar" aria-hidden="true">
        {initialsOf(name)}
      </span>
      <span className="user-name" data-testid="user-name" title={user?.email ?? undefined}>
        {name}
      </span>
      <button
        type="button"
        className="button button-ghost button-sm"
        onClick={handleSignOut}
        disabled={signingOut}
        data-testid="signout"
      >
        {signingOut ? <span className="spinner spinner-sm" aria-hidden="true" /> : <LogOut size={16} aria-hidden="true" />}
        <span className="signout-label">{signingOut ? 'Signing out…' : 'Sign out'}</span>
      </button>
    </div>
  );
}

function BootstrapBanner() {
  const { bootstrap } = useAuth();
  if (bootstrap.status !== 'retrying') return null;
  return (
    <div className="banner banner-warning" role="status" data-testid="bootstrap-banner">
      <div className="container banner-inner">
        <RefreshCw size={16} aria-hidden="true" className="spin-slow" />
        <span>We couldn’t load your profile yet — retrying</span>
      </div>
    </div>
  );
}

/** Moves keyboard focus to the main region after in-app navigation (not on first load). */
function useFocusMainOnNavigate() {
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: false });
  }, [pathname]);
  return mainRef;
}

interface AppShellProps {
  /** Controls in the top bar before the user menu (the notifications bell), from the composition root. */
  headerExtras?: ReactNode;
  /** Banners under the top bar (a suspension notice), from the composition root. */
  banners?: ReactNode;
}

export function AppShell({ headerExtras, banners }: AppShellProps = {}) {
  const { user } = useAuth();
  const mainRef = useFocusMainOnNavigate();
  if (!user) return null; // RequireAuth guards this; keeps the types honest.

  return (
    <div className="shell" data-testid="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="container topbar-inner">
          <Wordmark to="/practice" />
          <nav aria-label="Main" className="main-nav">
            <ul role="list">
              {NAV_ITEMS.map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} className="nav-link" data-testid={item.testId}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          {headerExtras}
          <UserMenu />
        </div>
      </header>
      <BootstrapBanner />
      {banners}
      <main id="main" className="shell-main" ref={mainRef} tabIndex={-1}>
        <div className="container">
          <Outlet />
        </div>
      </main>
    </div>
  );
}
