import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { Ban, Flag, Send } from 'lucide-react';
import { useAuth } from '../../lib/authContext';
import { callableErrorMessage } from '../../lib/callableErrors';
import type { MemberActionsProps } from '../../lib/slots';
import { REPORT_REASONS, type ReportReason } from '../../types/models';
import { blockMember, reportMember, unblockMember, watchMySafety } from './safetyData';

/** Invite, block and report, for a member's card or profile page (the MemberActions slot). */
export function MemberActions({ uid, displayName, onBlocked }: MemberActionsProps) {
  const { user } = useAuth();
  const me = user?.uid ?? null;
  const [blocked, setBlocked] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!me) return undefined;
    return watchMySafety(me, (s) => setBlocked(s.blocked.includes(uid)), () => setBlocked(false));
  }, [me, uid]);

  if (!me || !uid || me === uid) return null;

  async function doBlock() {
    setBusy(true);
    setError(null);
    try {
      await blockMember(uid);
      setConfirming(false);
      setMessage(`You blocked ${displayName}. You won’t be matched, invited or shown to each other.`);
      onBlocked?.();
    } catch (err) {
      setError(callableErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function doUnblock() {
    setBusy(true);
    setError(null);
    try {
      await unblockMember(uid);
      setMessage(`You unblocked ${displayName}.`);
    } catch (err) {
      setError(callableErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="member-actions" data-testid="member-actions">
      <div className="button-row">
        {!blocked && (
          <Link
            to={`/invitations/new/${encodeURIComponent(uid)}`}
            className="button button-primary button-sm"
            data-testid="invite-member"
          >
            <Send size={16} aria-hidden="true" /> Invite to practise
          </Link>
        )}
        {blocked ? (
          <button type="button" className="button button-ghost button-sm" disabled={busy} onClick={() => void doUnblock()} data-testid="unblock-member">
            Unblock
          </button>
        ) : (
          <button
            type="button"
            className="button button-ghost button-sm"
            disabled={busy || blocked === null}
            onClick={() => setConfirming(true)}
            data-testid="block-member"
          >
            <Ban size={16} aria-hidden="true" /> Block
          </button>
        )}
        <button type="button" className="button button-ghost button-sm" onClick={() => setReporting((v) => !v)} data-testid="report-member">
          <Flag size={16} aria-hidden="true" /> Report
        </button>
      </div>
      {confirming && (
        <div className="card member-confirm" role="alertdialog" aria-label={`Block ${displayName}?`}>
          <p>
            Block <strong>{displayName}</strong>? You will never be matched, invited, listed or notified about each other.
            Open invitations between you are cancelled. They are not told.
          </p>
          <div className="button-row">
            <button type="button" className="button button-danger-soft button-sm" disabled={busy} onClick={() => void doBlock()} data-testid="block-confirm">
              Block
            </button>
            <button type="button" className="button button-ghost button-sm" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {reporting && (
        <ReportForm
          subjectUid={uid}
          displayName={displayName}
          onDone={(text) => {
            setReporting(false);
            setMessage(text);
          }}
        />
      )}
      {message && (
        <p className="muted" role="status" data-testid="member-actions-status">
          {message}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Report a member (optionally about one session): a reason and what happened, for staff only. */
function ReportForm({
  subjectUid,
  displayName,
  sessionId,
  onDone,
}: {
  subjectUid: string;
  displayName: string;
  sessionId?: string;
  onDone: (message: string) => void;
}) {
  const id = useId();
  const [reason, setReason] = useState<ReportReason | ''>('');
  const [details, setDetails] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!reason) {
      setError('Choose a reason.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await reportMember(subjectUid, reason, details, sessionId);
      onDone(`Thank you. Staff will look at your report about ${displayName}; ${displayName} is not told who reported.`);
    } catch (err) {
      setError(callableErrorMessage(err));
      setBusy(false);
    }
  }

  return (
    <form className="card report-form" onSubmit={(e) => void submit(e)} data-testid="report-form">
      <div className="field">
        <label htmlFor={`${id}-reason`}>Why are you reporting {displayName}?</label>
        <select id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value as ReportReason | '')} data-testid="report-reason">
          <option value="">Choose a reason</option>
          {REPORT_REASONS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-details`}>What happened? (optional, only staff read it)</label>
        <textarea id={`${id}-details`} value={details} maxLength={2000} rows={3} onChange={(e) => setDetails(e.target.value)} data-testid="report-details" />
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button button-secondary button-sm" disabled={busy} data-testid="report-submit">
        Send report
      </button>
    </form>
  );
}
