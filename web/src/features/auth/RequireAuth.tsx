import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { Spinner } from '../../components/Spinner';
import { useAuth } from '../../lib/authContext';

/** Where a signed-out visitor wanted to go, carried to /signin in location state. */
interface RedirectState {
  from?: string;
}

/** Renders its children only for signed-in users; otherwise sends them to /signin and back. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { user, loading, signedOutByUser } = useAuth();
  const location = useLocation();

  if (loading) return <Spinner fullPage />;
  if (!user) {
    if (signedOutByUser) return <Navigate to="/" replace />;
    const state: RedirectState = { from: `${location.pathname}${location.search}${location.hash}` };
    return <Navigate to="/signin" replace state={state} />;
  }
  return <>{children}</>;
}

/** The in-app path to return to after sign-in (never an external URL, never /signin itself). */
export function redirectTarget(state: unknown): string {
  if (state && typeof state === 'object' && 'from' in state) {
    const from = (state as RedirectState).from;
    if (typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') && !from.startsWith('/signin')) {
      return from;
    }
  }
  return '/practice';
}
