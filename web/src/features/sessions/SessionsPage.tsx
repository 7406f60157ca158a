import { useState } from 'react';
import { Link } from 'react-router-dom';
import { AlertCircle, ChevronRight, History, MessageSquarePlus, Video } from 'lucide-react';
import { EmptyState, PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import {
  DIFFICULTY_LABELS,
  LIVE_SESSION_STATUSES,
  PARTICIPANT_ROLE_LABELS,
  SESSION_TYPE_LABELS,
  type PeerSession,
} from '../../types/models';
import { useAuth } from '../../lib/authContext';
import { useNow } from '../../lib/useNow';
import { feedbackWindow, partnerOf } from '../../lib/sessionRules';
import { firstRoleOf, formatDateTime, sessionOutcome, sessionTime } from './sessionDocs';
import { StatsHeader } from './StatsHeader';
import { SESSIONS_PAGE_SIZE, useMySessions, useUserStats } from './useSessions';

export function SessionsPage() {
  const { user } = useAuth();
  return (
    <section data-testid="page-sessions">
      <PageHeader title="Sessions" lead="Your practice sessions, what you worked on and the feedback you’ve had." />
      {user && <Sessions uid={user.uid} />}
    </section>
  );
}

function Sessions({ uid }: { uid: string }) {
  const [retryKey, setRetryKey] = useState(0);
  const list = useMySessions(uid, retryKey);
  const stats = useUserStats(uid);
  // Re-check once a minute whether a feedback window has closed.
  const now = useNow(true, 60_000);

  let body;
  if (list.loading && list.sessions.length === 0) {
    body = (
      <div className="card loading-card" data-testid="sessions-loading">
        <Spinner label="Loading your sessions…" />
        <p className="muted">Loading your sessions…</p>
      </div>
    );
  } else if (list.error && list.sessions.length === 0) {
    body = (
      <div className="alert alert-error" role="alert" data-testid="sessions-error">
        <AlertCircle size={16} aria-hidden="true" /> We couldn’t load your sessions. {list.error}{' '}
        <button type="button" className="link-button" onClick={() => setRetryKey((k) => k + 1)}>
          Try again
        </button>
      </div>
    );
  } else if (list.sessions.length === 0) {
    body = (
      <EmptyState icon={<History size={24} />} title="No sessions yet. Your past practice sessions will appear here.">
        <Link to="/practice">Find a partner</Link> to start your first one.
      </EmptyState>
    );
  } else {
    const due = list.sessions.filter((s) => feedbackWindow(s, uid, now) === 'open').length;
    body = (
      <>
        <div className="sessions-list-head">
          <h2 id="sessions-list-title">Your sessions</h2>
          <p className="muted small" aria-live="polite">
            {due > 0 ? `${due === 1 ? 'One session is' : `${due} sessions are`} waiting for your feedback.` : ''}
          </p>
        </div>
        {list.error && (
          <p className="alert alert-error" role="alert">
            <AlertCircle size={16} aria-hidden="true" /> The list may be out of date. {list.error}
          </p>
        )}
        <ul className="sessions-list" role="list" aria-labelledby="sessions-list-title" data-testid="sessions-list">
          {list.sessions.map((session) => (
            <SessionRow key={session.id} session={session} uid={uid} now={now} />
          ))}
        </ul>
        {list.sessions.length >= SESSIONS_PAGE_SIZE && (
          <p className="muted small">Showing your {SESSIONS_PAGE_SIZE} most recent sessions.</p>
        )}
      </>
    );
  }

  return (
    <div className="sessions-page">
      <StatsHeader state={stats} />
      {body}
    </div>
  );
}

function SessionRow({ session, uid, now }: { session: PeerSession; uid: string; now: number }) {
  const partner = partnerOf(session, uid);
  const outcome = sessionOutcome(session, uid);
  const role = firstRoleOf(session, uid);
  const when = sessionTime(session);
  const feedbackDue = feedbackWindow(session, uid, now) === 'open';
  const live = LIVE_SESSION_STATUSES.includes(session.status) && session.status !== 'ending';
  const detailPath = `/sessions/${encodeURIComponent(session.id)}`;
  const type = SESSION_TYPE_LABELS[session.sessionType] ?? session.sessionType;

  return (
    <li
      className="card session-row"
      data-testid="session-row"
      data-session-id={session.id}
      data-status={outcome.key}
    >
      <div className="session-row-main">
        <p className="session-row-title">
          <Link to={detailPath} className="session-row-link">
            {type} interview with <span data-testid="session-partner">{partner.name}</span>
          </Link>
        </p>
        <p className="session-row-meta muted small">
          <time dateTime={when ? when.toDate().toISOString() : undefined}>{formatDateTime(when)}</time>
          <span aria-hidden="true"> · </span>
          <span>{DIFFICULTY_LABELS[session.difficulty] ?? session.difficulty}</span>
          {role && (
            <>
              <span aria-hidden="true"> · </span>
              <span>You started as {PARTICIPANT_ROLE_LABELS[role].toLowerCase()}</span>
            </>
          )}
        </p>
      </div>
      <span className={`status-pill status-${outcome.tone}`} data-testid="session-status">
        {outcome.label}
      </span>
      <div className="session-row-actions">
        {feedbackDue && (
          <Link
            to={detailPath}
            state={{ focus: 'feedback' }}
            className="button button-primary button-sm"
            data-testid="give-feedback"
            aria-label={`Give feedback to ${partner.name}`}
          >
            <MessageSquarePlus size={16} aria-hidden="true" /> Give feedback
          </Link>
        )}
        {live && (
          <Link to={`/session/${encodeURIComponent(session.id)}`} className="button button-secondary button-sm">
            <Video size={16} aria-hidden="true" /> {session.status === 'active' ? 'Rejoin' : 'Join'}
          </Link>
        )}
        {!feedbackDue && (
          <Link to={detailPath} className="button button-ghost button-sm" aria-label={`Summary of the ${type.toLowerCase()} interview with ${partner.name}`}>
            Summary <ChevronRight size={16} aria-hidden="true" />
          </Link>
        )}
      </div>
    </li>
  );
}
