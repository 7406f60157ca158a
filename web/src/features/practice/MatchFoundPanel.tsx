import { useEffect, useId, useRef } from 'react';
import { AlertCircle, ArrowRight, Handshake } from 'lucide-react';
import {
  DIFFICULTY_LABELS,
  SESSION_TYPE_LABELS,
  SPOKEN_LANGUAGE_LABELS,
  type ParticipantRole,
  type PeerSession,
} from '../../types/models';
import { Spinner } from '../../components/Spinner';

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
  onNotNow: () => void;
  leaving: boolean;
  leaveError: string | null;
}

export function MatchFoundPanel({ uid, sessionId, session, sessionError, onJoin, onNotNow, leaving, leaveError }: MatchFoundPanelProps) {
  const joinRef = useRef<HTMLButtonElement>(null);
  const headingId = useId();
  const { partnerName, myRole, partnerRole } = matchRoles(session, uid);

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
          {myRole && partnerRole && (
            <p className="match-roles" data-testid="match-roles">
              You start as the <strong>{myRole}</strong>; {partnerName} starts as the <strong>{partnerRole}</strong>.
              You’ll swap halfway.
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

      <div className="panel-actions">
        <button
          type="button"
          className="button button-ghost"
          onClick={onNotNow}
          disabled={leaving}
          aria-busy={leaving || undefined}
          data-testid="match-not-now"
        >
          {leaving && <span className="spinner spinner-sm" aria-hidden="true" />}
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
