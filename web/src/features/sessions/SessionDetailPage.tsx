import { Suspense } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import { AlertCircle, ArrowLeft, Ban, Check, EyeOff, Inbox, Minus, Scissors, Video } from 'lucide-react';
import { EmptyState, PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import {
  DIFFICULTY_LABELS,
  LIVE_SESSION_STATUSES,
  PARTICIPANT_ROLE_LABELS,
  SESSION_TYPE_LABELS,
  SPOKEN_LANGUAGE_LABELS,
  type ParticipantRole,
  type PeerSession,
  type PublicQuestion,
} from '../../types/models';
import { useAuth } from '../../lib/authContext';
import { usePeerSession } from '../../lib/data/peerSessions';
import { useSlots } from '../../lib/slots';
import { RematchButton } from './RematchButton';
import { FeedbackSummary } from '../../components/FeedbackSummary';
import { interviewOver, partnerOf, rubricFor, type Partner } from '../../lib/sessionRules';
import {
  firstRoleOf,
  formatDateTime,
  phasesPhrase,
  phasesReached,
  sessionMinutes,
  sessionOutcome,
  sessionTime,
  type PhaseState,
} from './sessionDocs';
import { useReceivedFeedback } from './useSessions';


/** /sessions/:sessionId — the summary of one session, its questions and both sides' feedback. */
export function SessionDetailPage() {
  const { sessionId = '' } = useParams<{ sessionId: string }>();
  const { user } = useAuth();
  const state = usePeerSession(sessionId || null);

  if (!user || state.loading)
    return (
      <section data-testid="session-detail" aria-busy="true">
        <BackLink />
        <div className="card loading-card">
          <Spinner label="Loading the session…" />
          <p className="muted">Loading the session…</p>
        </div>
      </section>
    );

  if (state.missing || !state.session)
    return (
      <section data-testid="session-detail" data-state="missing">
        <BackLink />
        {state.error ? (
          <div className="alert alert-error" role="alert">
            <AlertCircle size={16} aria-hidden="true" /> We couldn’t load this session. {state.error}
          </div>
        ) : (
          <EmptyState icon={<Ban size={24} />} title="This session isn’t yours, or it doesn’t exist.">
            Only the two people in a session can see its summary. <Link to="/sessions">See your sessions</Link>
          </EmptyState>
        )}
      </section>
    );

  return <SessionDetail session={state.session} uid={user.uid} />;
}

function BackLink() {
  return (
    <p className="back-link">
      <Link to="/sessions">
        <ArrowLeft size={16} aria-hidden="true" /> All sessions
      </Link>
    </p>
  );
}

const OTHER_ROLE: Readonly<Record<ParticipantRole, ParticipantRole>> = { interviewer: 'interviewee', interviewee: 'interviewer' };

function SessionDetail({ session, uid }: { session: PeerSession; uid: string }) {
  const { FeedbackForm, FinalCode, FinalBoard, MemberActions } = useSlots();
  const location = useLocation();
  const arrivedToGiveFeedback = (location.state as { focus?: unknown } | null)?.focus === 'feedback';
  const partner = partnerOf(session, uid);
  const outcome = sessionOutcome(session, uid);
  const type = SESSION_TYPE_LABELS[session.sessionType] ?? session.sessionType;
  const when = sessionTime(session);
  const minutes = sessionMinutes(session);
  const myFirstRole = firstRoleOf(session, uid);
  const steps = phasesReached(session);
  const over = interviewOver(session);
  const live = LIVE_SESSION_STATUSES.includes(session.status) && session.status !== 'ending';

  return (
    <section data-testid="session-detail" data-session-id={session.id} data-status={outcome.key}>
      <BackLink />
      <PageHeader
        title={`${type} interview with ${partner.name}`}
        lead={<time dateTime={when ? when.toDate().toISOString() : undefined}>{formatDateTime(when)}</time>}
        actions={
          live ? (
            <Link to={`/session/${encodeURIComponent(session.id)}`} className="button button-primary">
              <Video size={16} aria-hidden="true" /> {session.status === 'active' ? 'Back to the room' : 'Join the room'}
            </Link>
          ) : undefined
        }
      />
      {/* After a session: practise again with this partner, or block or report them. */}
      {!live && <MemberActions uid={partner.uid} displayName={partner.name} />}
      {!live && session.startedAt && <RematchButton sessionId={session.id} partnerName={partner.name} />}

      <div className="session-detail">
        <section className="card detail-card" aria-labelledby="detail-overview">
          <h2 id="detail-overview">Overview</h2>
          <dl className="summary">
            <div>
              <dt>With</dt>
              <dd data-testid="detail-partner">{partner.name}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <span className={`status-pill status-${outcome.tone}`} data-testid="detail-status">
                  {outcome.label}
                </span>
              </dd>
            </div>
            <div>
              <dt>Difficulty</dt>
              <dd>{DIFFICULTY_LABELS[session.difficulty] ?? session.difficulty}</dd>
            </div>
            <div>
              <dt>Language</dt>
              <dd>{SPOKEN_LANGUAGE_LABELS[session.language] ?? session.language}</dd>
            </div>
            <div>
              <dt>You started as</dt>
              <dd>{myFirstRole ? PARTICIPANT_ROLE_LABELS[myFirstRole] : 'Unknown'}</dd>
            </div>
            <div>
              <dt>Length</dt>
              <dd>{minutes !== null ? `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}` : '—'}</dd>
            </div>
          </dl>
          <p className="muted small detail-outcome">{outcome.detail}</p>

          <h3 id="detail-phases">Phases reached</h3>
          <p className="muted small">{phasesPhrase(steps)}</p>
          <ol className="phase-track" aria-labelledby="detail-phases" data-testid="detail-phases">
            {steps.map((step) => (
              <li key={step.index} className={`phase-track-step phase-${step.state}`} data-state={step.state}>
                <PhaseIcon state={step.state} />
                <span>{step.label}</span>
                <span className="visually-hidden">: {PHASE_STATE_WORDS[step.state]}</span>
              </li>
            ))}
          </ol>
        </section>

        <QuestionsPractised session={session} partner={partner} myFirstRole={myFirstRole} />

        {session.requiresCodeEditor && session.status !== 'cancelled' && (
          <Suspense fallback={<Spinner label="Loading the code…" />}>
            <FinalCode sessionId={session.id} />
          </Suspense>
        )}

        {session.requiresWhiteboard && session.status !== 'cancelled' && (
          <Suspense fallback={<Spinner label="Loading the whiteboard…" />}>
            <FinalBoard sessionId={session.id} />
          </Suspense>
        )}

        {session.status !== 'cancelled' && (
          <section className="detail-section" id="feedback" aria-label={`Your feedback for ${partner.name}`}>
            <FeedbackForm key={session.id} session={session} uid={uid} headingLevel={2} autoFocus={arrivedToGiveFeedback} />
          </section>
        )}

        {session.status !== 'cancelled' && over && <ReceivedFeedback session={session} partner={partner} />}
      </div>
    </section>
  );
}

const PHASE_STATE_WORDS: Readonly<Record<PhaseState, string>> = {
  done: 'reached',
  current: 'now',
  'cut-short': 'cut short (the session ended early)',
  'not-reached': 'not reached',
};

function PhaseIcon({ state }: { state: PhaseState }) {
  const icon =
    state === 'done' || state === 'current' ? <Check size={14} /> : state === 'cut-short' ? <Scissors size={14} /> : <Minus size={14} />;
  return (
    <span className="phase-track-icon" aria-hidden="true">
      {icon}
    </span>
  );
}

function QuestionsPractised({
  session,
  partner,
  myFirstRole,
}: {
  session: PeerSession;
  partner: Partner;
  myFirstRole: ParticipantRole | null;
}) {
  const halves = (['1', '2'] as const).map((half) => {
    // In the first half each has their first role; in the second the roles are swapped.
    const myRole = myFirstRole ? (half === '1' ? myFirstRole : OTHER_ROLE[myFirstRole]) : null;
    const answeredBy = myRole === 'interviewee' ? 'You' : myRole === 'interviewer' ? partner.name : null;
    const askedBy = myRole === 'interviewer' ? 'You' : myRole === 'interviewee' ? partner.name : null;
    return { half, questions: session.questionSet?.[half] ?? [], answeredBy, askedBy, youAnswered: myRole === 'interviewee' };
  });
  const any = halves.some((h) => h.questions.length > 0);

  return (
    <section className="card detail-card" aria-labelledby="detail-questions" data-testid="detail-questions">
      <h2 id="detail-questions">Questions practised</h2>
      {!any && (
        <p className="muted">
          {session.phaseIndex === null || session.phaseIndex === undefined
            ? 'No questions: the interview didn’t start.'
            : 'No questions were set for this session.'}
        </p>
      )}
      {any &&
        halves.map(({ half, questions, answeredBy, askedBy, youAnswered }) => (
          <div key={half} className="question-half" data-half={half}>
            <h3>
              {half === '1' ? 'First half' : 'Second half'}
              {answeredBy && askedBy && (
                <span className="muted half-roles">
                  {' '}
                  — {askedBy} asked, {youAnswered ? 'you' : answeredBy} answered
                </span>
              )}
            </h3>
            {questions.length === 0 ? (
              <p className="muted small">{half === '2' ? 'The session ended before the second half.' : 'No question was set.'}</p>
            ) : (
              questions.map((q) => <QuestionCard key={q.id} question={q} />)
            )}
          </div>
        ))}
    </section>
  );
}

function QuestionCard({ question }: { question: PublicQuestion }) {
  const meta = [question.difficulty, question.category.replace(/_/g, ' '), question.estimatedMinutes ? `about ${question.estimatedMinutes} min` : '']
    .filter(Boolean)
    .join(' · ');
  return (
    <article className="question" data-testid="detail-question" data-question-id={question.id}>
      <h4>{question.title}</h4>
      {meta && <p className="muted small">{meta}</p>}
      <div className="prompt">{question.prompt}</div>
      {question.tags.length > 0 && (
        <ul className="tags question-tags" role="list" aria-label="Topics">
          {question.tags.map((t) => (
            <li key={t} className="tag tag-static">
              {t}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

function ReceivedFeedback({ session, partner }: { session: PeerSession; partner: Partner }) {
  const revealed = session.feedbackRevealed === true;
  // The functions list every author in feedbackSubmitted: once revealed, no list means nobody sent any.
  const partnerSent = session.feedbackSubmitted ? session.feedbackSubmitted.includes(partner.uid) : revealed ? false : null;
  const state = useReceivedFeedback(session.id, partner.uid, revealed, partnerSent);
  const Name = partner.name.charAt(0).toUpperCase() + partner.name.slice(1);

  let body;
  switch (state.kind) {
    case 'hidden':
      body = (
        <p className="notice" data-testid="feedback-hidden">
          <EyeOff size={16} aria-hidden="true" />
          <span>Your partner’s feedback appears once you’ve both submitted, or 48 hours after the session.</span>
        </p>
      );
      break;
    case 'loading':
      body = <Spinner label="Loading your partner’s feedback…" />;
      break;
    case 'none':
      body = (
        <p className="muted" data-testid="feedback-received-none">
          <Inbox size={16} aria-hidden="true" /> {Name} didn’t leave feedback for this session.
        </p>
      );
      break;
    case 'error':
      body = (
        <p className="alert alert-error" role="alert">
          <AlertCircle size={16} aria-hidden="true" /> We couldn’t load your partner’s feedback. {state.message}
        </p>
      );
      break;
    case 'ok':
      body = (
        <div data-testid="feedback-received">
          <FeedbackSummary feedback={state.feedback} items={rubricFor(session)} perspective="received" partnerName={partner.name} />
        </div>
      );
      break;
  }

  return (
    <section className="card detail-card" aria-labelledby="detail-received" aria-live="polite">
      <h2 id="detail-received">Feedback from {partner.name}</h2>
      {body}
    </section>
  );
}
