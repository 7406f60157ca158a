import { useEffect, useRef, useState } from 'react';
import { httpsCallable } from 'firebase/functions';
import { ChevronRight, Clock } from 'lucide-react';
import { functions } from '../../lib/firebase';
import {
  FEEDBACK_PHASE_INDEX,
  SESSION_PHASE_LABELS as PHASE_LABELS,
  type PeerSession,
  type PrivateQuestionsDoc as PrivateDoc,
} from '../../types/models';
import { FeedbackForm } from './FeedbackForm';
import { saveNotes, watchNotes, watchPrivateQuestions } from './roomData';
import { Markdown } from './Markdown';

const advancePhase = httpsCallable<{ sessionId: string; fromIndex: number }, { result: string }>(functions, 'advancePhase');

function formatLeft(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * The phase bar (same phase and countdown for both, from server timestamps and the server's clock
 * offset), the question panel for the current role, and the interviewer's private notes.
 */
export function InterviewPanel({ session, uid, clockOffsetMs }: { session: PeerSession; uid: string; clockOffsetMs: number }) {
  const [now, setNow] = useState(() => Date.now());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [privateDoc, setPrivateDoc] = useState<PrivateDoc | null>(null);
  const index = session.phaseIndex ?? null;
  const myRole = session.roles[uid];
  const half = index !== null && index >= 2 ? 2 : 1;
  const questionKey = Object.keys(session.questionSet ?? {}).sort().join(',');

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  // Only the interviewer's own document exists for them; the rules refuse anyone else.
  useEffect(() => {
    if (myRole !== 'interviewer') {
      setPrivateDoc(null);
      return;
    }
    return watchPrivateQuestions(session.id, uid, setPrivateDoc);
    // Re-listening when the questions change matters: the function writes this document in the same batch
    // as the session's questions, and a listener attached before a document exists could miss its creation
    // on the emulator; a fresh one always starts from what is there.
  }, [session.id, uid, myRole, half, questionKey]);

  const lastLive = useLastLivePhase(session.id, index);

  if (index === null)
    return (
      <p className="muted" data-testid="phase-waiting">
        The interview starts when you’re both in the room.
      </p>
    );

  const endsAt = session.phaseEndsAt?.toMillis() ?? null;
  const left = endsAt === null ? null : endsAt - (now + clockOffsetMs);
  const pending = session.pendingAdvance && session.pendingAdvance.fromIndex === index ? session.pendingAdvance : null;
  const iProposed = pending?.by === uid;
  const partnerProposed = pending !== null && !iProposed;
  const interviewing = index === 1 || index === 3;
  const canMoveAlone = interviewing && myRole === 'interviewer';
  const questions = session.questionSet?.[half === 2 ? '2' : '1'] ?? [];
  const privateById = new Map((privateDoc?.half === half ? privateDoc.questions : []).map((q) => [q.id, q]));

  async function next() {
    setBusy(true);
    setError(null);
    try {
      await advancePhase({ sessionId: session.id, fromIndex: index ?? 0 });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const label = canMoveAlone
    ? 'Finish this half'
    : partnerProposed
      ? 'Agree to move on'
      : iProposed
        ? 'Waiting for your partner…'
        : index === 5
          ? 'End the session'
          : 'Ready to move on';

  return (
    <div className="interview-panel" data-testid="interview-panel">
      <div className="phase-bar" data-testid="phase-bar" data-phase={index}>
        <ol className="phase-steps">
          {PHASE_LABELS.map((name, i) => {
            const status = phaseStatus(i, index, session.leftEarly ? lastLive : null);
            return (
              <li key={name} className={status} aria-current={i === index ? 'step' : undefined} data-status={status}>
                {name}
                {status === 'skipped' && <span className="small"> (skipped)</span>}
                {status === 'cut-short' && <span className="small"> (ended early)</span>}
              </li>
            );
          })}
        </ol>
        <div className="phase-now">
          <strong data-testid="phase-name">{PHASE_LABELS[index]}</strong>
          {left !== null && (
            <span className={`countdown${left < 120_000 ? ' countdown-low' : ''}`} data-testid="phase-countdown">
              <Clock size={14} aria-hidden="true" /> {formatLeft(left)}
            </span>
          )}
        </div>
        {session.nudge?.phaseIndex === index && <p className="notice small">{session.nudge.message}</p>}
        {partnerProposed && <p className="notice small" data-testid="partner-proposed">Your partner is ready to move on.</p>}
        <button type="button" className="button button-primary button-block" onClick={() => void next()}
          disabled={busy || iProposed || session.status === 'completed'} data-testid="next-phase">
          {label} <ChevronRight size={16} aria-hidden="true" />
        </button>
        {error && <div className="alert alert-error" role="alert">{error}</div>}
      </div>

      {(index >= FEEDBACK_PHASE_INDEX || session.status === 'ending' || session.status === 'completed') && (
        <section className="room-feedback" aria-label="Feedback for your partner">
          <FeedbackForm session={session} uid={uid} compact />
        </section>
      )}

      {(index === 1 || index === 3 || index === 2) && (
        <section className="question-panel" data-testid="question-panel" aria-label="Questions">
          <h3>{myRole === 'interviewer' ? 'You ask' : 'You answer'}</h3>
          {questions.length === 0 && <p className="muted">No question has been set for this half.</p>}
          {questions.map((q) => {
            const secret = privateById.get(q.id);
            return (
              <article key={q.id} className="question" data-testid="question">
                <h4>{q.title}</h4>
                <p className="muted small">{q.difficulty}{q.tags?.length ? ` · ${q.tags.join(', ')}` : ''}</p>
                <Markdown source={q.prompt} className="prompt" testId="question-prompt" />
                {secret && (
                  <details className="interviewer-only" data-testid="interviewer-only">
                    <summary>Hints, solution and rubric (only you see this)</summary>
                    {secret.hints?.length ? (
                      <ol>{secret.hints.map((h) => <li key={h}><Markdown source={h} /></li>)}</ol>
                    ) : null}
                    {secret.solution && <Markdown source={secret.solution} className="solution" testId="question-solution" />}
                    {secret.rubric?.length ? (
                      <ul>{secret.rubric.map((r) => <li key={r.criterion}><strong>{r.criterion}</strong>: {r.description}</li>)}</ul>
                    ) : null}
                  </details>
                )}
              </article>
            );
          })}
          {myRole === 'interviewer' && <Notes sessionId={session.id} uid={uid} />}
        </section>
      )}
    </div>
  );
}

type PhaseStatus = 'current' | 'done' | 'cut-short' | 'skipped' | '';

/**
 * A phase's mark on the bar. After someone left early (`lastLive`: the last phase before feedback this
 * tab saw, or undefined when it cannot know), the phases the session jumped over are skipped, not done.
 */
function phaseStatus(i: number, index: number, lastLive: number | null | undefined): PhaseStatus {
  if (i === index) return 'current';
  if (i > index) return '';
  if (lastLive === null || index < FEEDBACK_PHASE_INDEX || i >= FEEDBACK_PHASE_INDEX) return 'done';
  if (lastLive === undefined) return 'skipped';
  return i < lastLive ? 'done' : i === lastLive ? 'cut-short' : 'skipped';
}

/** The last phase before feedback seen in this tab (kept for a reload); undefined when never seen here. */
function useLastLivePhase(sessionId: string, index: number | null): number | undefined {
  const key = `salamin.lastPhase.${sessionId}`;
  const [last, setLast] = useState<number | undefined>(() => {
    const raw = Number(sessionStorage.getItem(key) ?? NaN);
    return Number.isInteger(raw) ? raw : undefined;
  });
  useEffect(() => {
    if (index === null || index >= FEEDBACK_PHASE_INDEX) return;
    setLast(index);
    sessionStorage.setItem(key, String(index));
  }, [index, key]);
  return last;
}

/** Private interviewer notes, saved a moment after typing stops; only their author can read them. */
function Notes({ sessionId, uid }: { sessionId: string; uid: string }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<'idle' | 'saving' | 'saved' | 'error'>('idle');
  const loaded = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    return watchNotes(sessionId, uid, (saved) => {
      if (!loaded.current && saved !== null) setText(saved);
      loaded.current = true;
    });
  }, [sessionId, uid]);

  function change(value: string) {
    setText(value);
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      setState('saving');
      saveNotes(sessionId, uid, value.slice(0, 20000))
        .then(() => setState('saved'))
        .catch(() => setState('error'));
    }, 600);
  }

  return (
    <div className="field notes">
      <label htmlFor="interviewer-notes">Your private notes</label>
      <textarea id="interviewer-notes" rows={5} maxLength={20000} value={text} onChange={(e) => change(e.target.value)}
        data-testid="notes" placeholder="Only you can see these. They stay with the session." />
      <p className="hint" aria-live="polite">
        {state === 'saving' ? 'Saving…' : state === 'saved' ? 'Saved' : state === 'error' ? 'Couldn’t save — check your connection.' : ' '}
      </p>
    </div>
  );
}
