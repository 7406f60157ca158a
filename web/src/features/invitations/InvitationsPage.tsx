import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { EmptyState, PageHeader } from '../../components/PageHeader';
import { useAuth } from '../../lib/authContext';
import { callableErrorMessage } from '../../lib/callableErrors';
import { useNow } from '../../lib/useNow';
import { SESSION_TYPE_LABELS, type Invitation } from '../../types/models';
import { createInviteLink, effectiveStatus, watchMyInvitations } from './invitationsData';
import { InviteForm, type InviteChoice } from './InviteForm';

/** /invitations — received and sent invitations, and a private link for a friend who is not a member yet. */
export function InvitationsPage() {
  const { user } = useAuth();
  const uid = user?.uid ?? null;
  const now = useNow(true, 15_000);
  const [invs, setInvs] = useState<Invitation[] | null>(null);
  const [link, setLink] = useState<{ url: string; expiresAtMs: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!uid) return undefined;
    return watchMyInvitations(uid, setInvs, () => setError('Your invitations could not be loaded.'));
  }, [uid]);

  async function makeLink(choice: InviteChoice) {
    setBusy(true);
    setError(null);
    try {
      const { token, expiresAtMs } = await createInviteLink(choice.sessionType, choice.difficulty);
      setLink({ url: `${window.location.origin}/join/${encodeURIComponent(token)}`, expiresAtMs });
    } catch (err) {
      setError(callableErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader title="Invitations" lead="Practise with someone you know: invite a member from their profile, or send a friend a private link." />
      {invs && invs.length === 0 && <EmptyState title="No invitations yet." />}
      {invs && invs.length > 0 && (
        <ul role="list" className="invitation-list" data-testid="invitation-list">
          {invs.map((inv) => (
            <li key={inv.id}>
              <Link to={`/invitations/${encodeURIComponent(inv.id)}`} data-testid="invitation-link">
                {inv.fromUid === uid ? `To ${inv.toName}` : `From ${inv.fromName}`} — {SESSION_TYPE_LABELS[inv.sessionType]} —{' '}
                {effectiveStatus(inv, now)}
              </Link>
            </li>
          ))}
        </ul>
      )}
      <h2>Invite a friend who is not a member yet</h2>
      <p className="muted">The link works once and for 72 hours. Your friend signs up from it and lands in your invitation.</p>
      <InviteForm submitLabel="Create a private link" busy={busy} allowSchedule={false} onSubmit={(c) => void makeLink(c)} />
      {link && (
        <div className="card" data-testid="invite-link-box">
          <label>
            Send this link to your friend:
            <input readOnly value={link.url} onFocus={(e) => e.target.select()} data-testid="invite-link-url" className="invite-link-url" />
          </label>
          <p className="muted">Valid until {new Date(link.expiresAtMs).toLocaleString()}.</p>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
