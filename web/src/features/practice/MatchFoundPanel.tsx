import { useEffect, useId, useRef, useState } from 'react';
import { AlertCircle, ArrowRight, Clock, Handshake } from 'lucide-react';
import {
  DIFFICULTY_LABELS,
  SESSION_TYPE_LABELS,
  SPOKEN_LANGUAGE_LABELS,
  type ParticipantRole,
  type PeerSession,
} from '../../types/models';
import { Spinner } from '../../components/Spinner';
import { useNow } from '../../lib/useNow';
import { formatClock } from './matchingDocs';

/** The no-show window (functions: lifecycle.NO_SHOW_MINUTES): join within it or the session is cancelled. */
export const JOIN_WINDOW_MS = 5 * 60_000;

const OTHER_ROLE: Readonly<Record<ParticipantRole, ParticipantRole>> = {
  interviewer: 'interviewee',
  interviewee: 'interviewer',
};

export interface MatchRoles {
  partnerName: string;
  myRole: ParticipantRole | null;
  partnerRole: ParticipantRole | null;
}

/**
 * The partner's name and both first-half roles, as far as the session says (participants[].role is the
 * first-half role; session.roles holds the current ones, which swap halfway).
 */
export function matchRoles(session: PeerSession | null, uid: string): MatchRoles {
  const partner = session?.participants.find((p) => p.userId !== uid) ?? null;
  const me = session?.participants.find((p) => p.userId === uid) ?? null;
  const myRole = me?.role ?? (partner ? OTHER_ROLE[partner.role] : null) ?? session?.roles[uid] ?? null;
  const partnerRole = partner?.role ?? (myRole ? OTHER_ROLE[myRole] : null);
  return { partnerName: partner?.displayName ?? 'your partner', myRole, partnerRole };
}

interface MatchFoundPanelProps {
  uid: string;
  sessionId: string;
  session: PeerSession | null;
  /** Plain words when the session's details couldn't be read. */
  sessionError: string | null;
  onJoin: () => void;
  /** Confirmed "Not now". */
  onNotNow: () => void;
  leaving: boolean;
  leaveError: string | null;
}

export function MatchFoundPanel({ uid, sessionId, session, sessionError, onJoin, onNotNow, leaving, leaveError }: MatchFoundPanelProps) {
  const joinRef = useRef<HTMLButtonElement>(null);
  const headingId = useId();
  const { partnerName, myRole, partnerRole } = matchRoles(session, uid);
  const bent = session?.bentRoleFor === uid;
  const [confirming, setConfirming] = useState(false);
  const now = useNow(true);
  const matchedMs = session?.matchedAt?.toMillis() ?? null;
  const joinLeft = matchedMs === null ? null : Math.max(0, (matchedMs + JOIN_WINDOW_MS - now) / 1000);

  // The one thing to do next: put the keyboard there.
  useEffect(() => {
    joinRef.current?.focus();
  }, [sessionId]);

  return (
    <section className="card match-card" data-testid="match-found" aria-labelledby={headingId}>
      <div className="match-icon" aria-hidden="true">
        <Handshake size={28} />
      </div>
      <p className="eyebrow">Match found</p>
      <h2 id={headingId}>
        You’re practising with{' '}
        <span className="partner-name" data-testid="partner-name">
          {partnerName}
        </span>
      </h2>

      {session ? (
        <>
          {myRole && partnerRole && bent && (
            <p className="notice match-roles" data-testid="match-roles" data-bent="true">
              <span>
                <strong>You’ll start as the {myRole}; you swap at half time.</strong> Nobody was free to start as the{' '}
                {partnerRole} with you, so {partnerName}, who waited longer, keeps that wish. “Not now” costs you nothing.
              </span>
            </p>
          )}
          {myRole && partnerRole && !bent && (
            <p className="match-roles" data-testid="match-roles">
              You start as the <strong>{myRole}</strong>; {partnerName} starts as the <strong>{partnerRole}</strong>.
              You’ll swap halfway.
            </p>
          )}
          {joinLeft !== null && (
            <p className="muted" data-testid="join-countdown">
              <Clock size={14} aria-hidden="true" />{' '}
              {joinLeft > 0
                ? `Join within ${formatClock(joinLeft)}; after that the session is cancelled.`
                : 'The time to join is up; the session is being cancelled.'}
            </p>
          )}
          <dl className="summary match-details" aria-label="Session details">
            <div>
              <dt>Session type</dt>
              <dd data-testid="match-session-type">{SESSION_TYPE_LABELS[session.sessionType]}</dd>
            </div>
            <div>
              <dt>Difficulty</dt>
              <dd data-testid="match-difficulty">{DIFFICULTY_LABELS[session.difficulty]}</dd>
            </div>
            <div>
              <dt>Language</dt>
              <dd>{SPOKEN_LANGUAGE_LABELS[session.language]}</dd>
            </div>
            <div>
              <dt>Length</dt>
              <dd>
                About {session.estimatedDuration} minutes (swap after {session.halfDuration})
              </dd>
            </div>
          </dl>
        </>
      ) : sessionError ? (
        <p className="alert alert-error" role="alert">
          <AlertCircle size={16} aria-hidden="true" /> We couldn’t load the details of your match. {sessionError} You can
          still join the session.
        </p>
      ) : (
        <Spinner label="Loading the details of your match…" />
      )}

      {leaveError && (
        <p className="alert alert-error" role="alert">
          <AlertCircle size={16} aria-hidden="true" /> {leaveError}
        </p>
      )}

      {confirming && (
        <div className="alert" role="alertdialog" aria-label="Say not now?" data-testid="not-now-confirm">
          <p data-testid="not-now-cost">
            {bent
              ? 'This costs you nothing: the match changed your first role.'
              : 'This counts as a late cancellation: it lowers your reliability the way a missed session does.'}{' '}
            The session is cancelled now and {partnerName} goes back to the front of the queue.
          </p>
          <div className="panel-actions">
            <button type="button" className="button button-ghost" onClick={() => setConfirming(false)}>
              Keep the match
            </button>
            <button
              type="button"
              className="button button-secondary"
              onClick={onNotNow}
              disabled={leaving}
              aria-busy={leaving || undefined}
              data-testid="not-now-confirm-button"
            >
              {leaving && <span className="spinner spinner-sm" aria-hidden="true" />}
              Yes, not now
            </button>
          </div>
        </div>
      )}

      <div className="panel-actions">
        <button
          type="button"
          className="button button-ghost"
          onClick={() => setConfirming(true)}
          disabled={leaving || confirming}
          data-testid="match-not-now"
        >
          Not now
        </button>
        <button
          ref={joinRef}
          type="button"
          className="button button-primary button-lg"
          onClick={onJoin}
          data-testid="join-session"
        >
          Join the session <ArrowRight size={18} aria-hidden="true" />
        </button>
      </div>
    </section>
  );
}
