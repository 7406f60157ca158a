import { useEffect, useState } from 'react';
import { ShieldAlert } from 'lucide-react';
import { useAuth } from '../../lib/authContext';
import type { Suspension } from '../../types/models';
import { watchMySafety } from './safetyData';

/** Tells a suspended member why and until when, on every page while it lasts. */
export function SuspensionBanner() {
  const { user } = useAuth();
  const uid = user?.uid ?? null;
  const [suspension, setSuspension] = useState<Suspension | null>(null);

  useEffect(() => {
    if (!uid) return undefined;
    return watchMySafety(uid, (s) => setSuspension(s.suspension), () => setSuspension(null));
  }, [uid]);

  if (!suspension) return null;
  return (
    <div className="banner banner-warning" role="status" data-testid="suspension-banner">
      <div className="container banner-inner">
        <ShieldAlert size={16} aria-hidden="true" />
        <span>
          Your account is suspended from matching and invitations until{' '}
          <strong data-testid="suspension-until">{suspension.until.toDate().toLocaleString()}</strong>. Reason:{' '}
          <span data-testid="suspension-reason">{suspension.reason || 'a breach of the community rules'}</span>
        </span>
      </div>
    </div>
  );
}
