import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { EmptyState, PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { useAuth } from '../../lib/authContext';
import { useSlots } from '../../lib/slots';
import { callableErrorMessage } from '../../lib/callableErrors';
import { useNow } from '../../lib/useNow';
import { DIFFICULTY_LABELS, SESSION_TYPE_LABELS, type Invitation } from '../../types/models';
import {
  acceptInvitation,
  declineInvitation,
  effectiveStatus,
  watchInvitation,
  withdrawInvitation,
} from './invitationsData';

const STATUS_WORDS = {
  pending: 'Waiting for an answer',
  accepted: 'Accepted',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
  expired: 'Expired',
  cancelled: 'Cancelled',
} as const;

/** /invitations/:id — one invitation, for the invitee (accept, decline) or the inviter (withdraw). */
export function InvitationPage() {
  const { invitationId = '' } = useParams();
  const { user } = useAuth();
  const navigate = useNavigate();
  const now = useNow(true, 5000);
  const { MemberActions } = useSlots();
  const [inv, setInv] = useState<Invitation | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(
    () => watchInvitation(invitationId, setInv, () => setInv(null)),
    [invitationId],
  );

  if (inv === undefined) return <Spinner />;
  if (inv === null || !user)
    return (
      <>
        <PageHeader title="Invitation" />
        <EmptyState title="This invitation does not exist or is not yours." />
      </>
    );

  const mine = inv.fromUid === user.uid;
  const status = effectiveStatus(inv, now);
  const partner = mine ? inv.toName : inv.fromName;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(callableErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const accept = () =>
    run(async () => {
      const sessionId = await acceptInvitation(inv.id);
      if (sessionId) void navigate(`/session/${encodeURIComponent(sessionId)}`);
    });

  return (
    <>
      <PageHeader title={mine ? `Your invitation to ${inv.toName}` : `${inv.fromName} invites you to practise`} />
      <div className="card invitation" data-testid="invitation" data-status={status}>
        <p>
          {SESSION_TYPE_LABELS[inv.sessionType]} interview, {DIFFICULTY_LABELS[inv.difficulty].toLowerCase()},{' '}
          {inv.when === 'now' || !inv.proposedAt ? 'now' : `at ${inv.proposedAt.toDate().toLocaleString()}`}.
        </p>
        <p data-testid="invitation-roles">
          {inv.inviterRole === 'either'
            ? `${mine ? 'You interview' : `${inv.fromName} interviews`} first`
            : `${mine ? 'You start' : `${inv.fromName} starts`} as the ${inv.inviterRole}`}
          ; you swap halfway.
        </p>
        <p>
          <strong data-testid="invitation-status">{STATUS_WORDS[status]}</strong>
          {status === 'pending' && inv.expiresAt && <> — open until {inv.expiresAt.toDate().toLocaleTimeString()}</>}
        </p>
        {inv.sessionId && (
          <Link className="button button-primary" to={`/session/${encodeURIComponent(inv.sessionId)}`} data-testid="invitation-join">
            Join the room with {partner}
          </Link>
        )}
        {status === 'accepted' && !inv.sessionId && inv.proposedAt && (
          <p className="muted">The room opens at {inv.proposedAt.toDate().toLocaleString()}; you will both be notified.</p>
        )}
        {status === 'expired' && (
          <p data-testid="invitation-expired">
            {mine ? (
              <>
                {inv.toName} didn&apos;t answer in time, so nothing was booked.{' '}
                <Link to={`/invitations/new/${encodeURIComponent(inv.toUid)}`} data-testid="invitation-again">
                  Invite {inv.toName} again
                </Link>
              </>
            ) : (
              <>This invitation wasn&apos;t answered in time, so nothing was booked. {inv.fromName} can invite you again.</>
            )}
          </p>
        )}
        <div className="button-row">
          {!mine && status === 'pending' && (
            <>
              <button type="button" className="button button-primary" disabled={busy} onClick={() => void accept()} data-testid="invitation-accept">
                Accept
              </button>
              <button type="button" className="button button-ghost" disabled={busy} onClick={() => void run(() => declineInvitation(inv.id))} data-testid="invitation-decline">
                Decline
              </button>
            </>
          )}
          {mine && (status === 'pending' || (status === 'accepted' && !inv.sessionId)) && (
            <button type="button" className="button button-ghost" disabled={busy} onClick={() => void run(() => withdrawInvitation(inv.id))} data-testid="invitation-withdraw">
              Withdraw
            </button>
          )}
        </div>
        {error && (
          <p className="field-error" role="alert" data-testid="invitation-error">
            {error}
          </p>
        )}
      </div>
      {status === 'pending' && <MemberActions uid={mine ? inv.toUid : inv.fromUid} displayName={partner} />}
      <p>
        <Link to="/invitations">All invitations</Link>
      </p>
    </>
  );
}
