import { useEffect, useState } from 'react';
import { httpsCallable } from 'firebase/functions';
import { CheckCircle2, EyeOff, FlaskConical, Play, XCircle } from 'lucide-react';
import { functions } from '../../lib/firebase';
import {
  CODE_LANGUAGE_LABELS,
  CODE_LIMITS,
  RUN_VERDICT_LABELS,
  type CodeLanguage,
  type CodeRun,
  type PeerSession,
  type PublicQuestion,
  type RunCodeRequest,
  type RunCodeResponse,
  type RunMode,
} from '../../types/models';
import type { CodeSync } from './codeSync';
import { watchHiddenCounts, watchLatestRuns } from './runsData';

const runCode = httpsCallable<RunCodeRequest, RunCodeResponse>(functions, 'runCode', { timeout: 180_000 });
/** Reads and writes nothing: only wakes the function (docs/architecture.md, "Running code"). */
const warmRunCode = httpsCallable<{ warmUp: true }, { warm: boolean }>(functions, 'runCode', { timeout: 30_000 });

const MODE_LABELS: Record<RunMode, string> = { run: 'Run', tests: 'Tests', hidden: 'Hidden tests' };

/** Where a run stood in a busy runner's queue, and how long the runner expected the wait to be. */
function busyText(busy: { position: number; waitS: number }): string {
  const place = busy.position === 1 ? 'next in line' : `number ${busy.position} in line`;
  return `This run was ${place}, about ${busy.waitS} s from a free runner.`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Run, Run tests and (for the interviewer) hidden tests; every run of the session, newest first. */
export function RunPanel({ session, uid, sync, language, question, ended }: {
  session: PeerSession;
  uid: string;
  sync: CodeSync;
  language: CodeLanguage;
  question: PublicQuestion | null;
  ended: boolean;
}) {
  const [runs, setRuns] = useState<CodeRun[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [starting, setStarting] = useState<RunMode | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stdin, setStdin] = useState('');
  const [showStdin, setShowStdin] = useState(false);
  const [hiddenCount, setHiddenCount] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const active = session.status === 'active' || session.status === 'ending';
  const interviewer = session.roles[uid] === 'interviewer';
  const hasCode = !!question?.code?.languages[language];
  const visibleTests = hasCode ? (question?.code?.tests.length ?? 0) : 0;
  const names = new Map(session.participants.map((p) => [p.userId, p.userId === uid ? 'You' : p.displayName]));

  useEffect(
    () =>
      watchLatestRuns(
        session.id,
        15,
        (latest) => {
          setRuns(latest);
          setListError(null);
        },
        () => setListError('We couldn’t load the runs. Reload the page to try again.'),
      ),
    [session.id],
  );

  const questionId = question?.id;
  // The interviewer's private material tells whether the question has hidden cases.
  useEffect(() => {
    if (!interviewer) {
      setHiddenCount(0);
      return;
    }
    return watchHiddenCounts(session.id, uid, (counts) => {
      setHiddenCount(questionId === undefined ? 0 : (counts?.get(questionId) ?? 0));
    });
  }, [interviewer, session.id, uid, questionId]);

  // Once per room while the interview is on, by one of the two (an instance serves both): the first click
  // on Run then finds the function warm instead of waiting for a cold instance (locally a new worker, ~2 s).
  const warms = active && !ended && session.participantIds.every((p) => p >= uid);
  useEffect(() => {
    if (warms) void warmRunCode({ warmUp: true }).catch(() => undefined); // only a head start: a failure costs nothing
  }, [warms, session.id]);

  const inFlight = runs?.some((r) => r.status === 'queued' || r.status === 'running') ?? false;
  useEffect(() => {
    if (!inFlight && !starting) return;
    const t = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(t);
  }, [inFlight, starting]);

  async function start(mode: RunMode) {
    setError(null);
    const source = sync.text.toString();
    if (!source.trim()) {
      setError('The editor is empty: write some code first.');
      return;
    }
    setStarting(mode);
    try {
      await runCode({
        sessionId: session.id,
        mode,
        language,
        source,
        ...(mode === 'run' && stdin ? { stdin } : {}),
        ...(hasCode && question ? { questionId: question.id } : {}),
      });
    } catch (err) {
      setError(err instanceof Error ? err.message.replace(/^FirebaseError:\s*/, '') : String(err));
    } finally {
      setStarting(null);
    }
  }

  // Runs start with the questions: during the introductions there is nothing to run against yet.
  const questionShown = (session.phaseIndex ?? 0) >= 1;
  const disabled = !active || !questionShown || ended || starting !== null || inFlight;
  const why = !active ? 'Code runs while the interview is on.'
    : !questionShown ? 'Running opens once the question is on screen, after the introductions.'
    : inFlight ? 'A run is going; it takes a few seconds.' : '';

  return (
    <section className="run-panel" aria-label="Run code" data-testid="run-panel">
      <div className="run-actions">
        <button type="button" className="button button-primary button-sm" onClick={() => void start('run')} disabled={disabled}
          data-testid="run-code" title={why || `Run the ${CODE_LANGUAGE_LABELS[language]} code`}>
          <Play size={14} aria-hidden="true" /> Run
        </button>
        {visibleTests > 0 && (
          <button type="button" className="button button-sm" onClick={() => void start('tests')} disabled={disabled}
            data-testid="run-tests" title={why || `Run the ${visibleTests} example tests`}>
            <FlaskConical size={14} aria-hidden="true" /> Run tests ({visibleTests})
          </button>
        )}
        {interviewer && hasCode && hiddenCount > 0 && (
          <button type="button" className="button button-sm" onClick={() => void start('hidden')} disabled={disabled}
            data-testid="run-hidden" title={why || 'Run the hidden cases: your partner sees only pass or fail'}>
            <EyeOff size={14} aria-hidden="true" /> Hidden tests ({hiddenCount})
          </button>
        )}
        <button type="button" className="link-button small" aria-expanded={showStdin} onClick={() => setShowStdin((v) => !v)}
          data-testid="stdin-toggle">
          {showStdin ? 'Hide input' : 'Input (stdin)'}
        </button>
        {(starting || inFlight) && <span className="spinner spinner-small" aria-hidden="true" />}
      </div>
      {showStdin && (
        <label className="stdin-field">
          <span className="small muted">Standard input for Run</span>
          <textarea value={stdin} onChange={(e) => setStdin(e.target.value.slice(0, CODE_LIMITS.maxStdinChars))} rows={3}
            spellCheck={false} data-testid="run-stdin" />
        </label>
      )}
      {error && <div className="alert alert-error small" role="alert" data-testid="run-error">{error}</div>}
      {listError && <div className="alert alert-error small" role="alert">{listError}</div>}

      <ol className="runs" aria-label="Runs" data-testid="runs">
        {runs === null && <li className="muted small">Loading runs…</li>}
        {runs?.length === 0 && <li className="muted small" data-testid="runs-empty">No runs yet. Both of you see every run here as it happens.</li>}
        {runs?.map((r) => <RunItem key={r.id} run={r} who={names.get(r.by) ?? 'Partner'} now={now} />)}
      </ol>
    </section>
  );
}

function RunItem({ run, who, now }: { run: CodeRun; who: string; now: number }) {
  const res = run.result;
  const started = run.createdAt?.toMillis() ?? now;
  const pending = run.status === 'queued' || run.status === 'running';
  const verdict = res?.verdict ?? null;
  const ok = verdict === 'accepted';
  return (
    <li className={`run run-${run.status}`} data-testid="run" data-run-id={run.id} data-status={run.status} data-verdict={verdict ?? ''}
      data-mode={run.mode}>
      <div className="run-head">
        <strong>{MODE_LABELS[run.mode]}</strong>
        <span className="muted small">{who} · {CODE_LANGUAGE_LABELS[run.language] ?? run.language}</span>
        <span className="toolbar-spacer" />
        {pending && (
          <span className="small" data-testid="run-pending" aria-live="polite">
            <span className="spinner spinner-small" aria-hidden="true" /> {run.status === 'queued' ? 'Waiting for a runner' : 'Running'}…{' '}
            {seconds(now - started)}
          </span>
        )}
        {run.status === 'error' && <span className="badge badge-danger" data-testid="run-verdict">Didn’t run</span>}
        {run.status === 'done' && verdict && (
          <span className={`badge ${ok ? 'badge-success' : 'badge-danger'}`} data-testid="run-verdict">
            {ok ? <CheckCircle2 size={12} aria-hidden="true" /> : <XCircle size={12} aria-hidden="true" />}{' '}
            {RUN_VERDICT_LABELS[verdict] ?? verdict}
            {typeof res?.total === 'number' ? ` · ${res.passed ?? 0}/${res.total} passed` : ''}
          </span>
        )}
      </div>
      {run.error && <p className="small">{run.error}</p>}
      {run.busy && (pending || run.status === 'error') && (
        <p className="small muted" data-testid="run-busy" aria-live="polite">
          {pending ? 'The runner is busy; still trying. ' : ''}
          {busyText(run.busy)}
        </p>
      )}
      {res && (
        <div className="run-body">
          {res.message && <pre className="run-out run-message">{res.message}</pre>}
          {res.compile && !res.compile.ok && res.compile.output && <pre className="run-out">{res.compile.output}</pre>}
          {run.mode !== 'run' && res.tests ? (
            <table className="run-cases" data-testid="run-cases">
              <thead>
                <tr><th scope="col">Case</th><th scope="col">Result</th>{run.mode !== 'hidden' && <><th scope="col">Expected</th><th scope="col">Got</th></>}</tr>
              </thead>
              <tbody>
                {res.tests.map((t, i) => (
                  <tr key={t.id} data-testid="run-case" data-passed={t.passed ? 'true' : 'false'}>
                    <td>{run.mode === 'hidden' ? `Hidden ${i + 1}` : t.id}</td>
                    <td>{t.passed ? 'Passed' : RUN_VERDICT_LABELS[t.verdict] ?? t.verdict}{typeof t.wallMs === 'number' ? ` · ${t.wallMs} ms` : ''}</td>
                    {run.mode !== 'hidden' && (
                      <>
                        <td><pre className="run-out">{t.expected ?? ''}</pre></td>
                        <td><pre className="run-out">{t.actual ?? ''}{t.stderr ? `\n${t.stderr}` : ''}</pre></td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <>
              {res.stdout ? <pre className="run-out" data-testid="run-stdout">{res.stdout}</pre> : null}
              {res.stderr ? <pre className="run-out run-stderr" data-testid="run-stderr">{res.stderr}</pre> : null}
              {!res.stdout && !res.stderr && !res.message && <p className="muted small">No output.</p>}
            </>
          )}
          {res.verdict === 'runtime_error' && (res.signal || typeof res.exitCode === 'number') && (
            <p className="small run-exit" data-testid="run-exit">
              {res.signal ? `Stopped by ${res.signal}` : `Exited with code ${res.exitCode}`}
            </p>
          )}
          {typeof res.wallMs === 'number' && (
            <p className="muted small run-stats">
              {seconds(res.wallMs)} wall · {seconds(res.cpuMs ?? 0)} CPU · {Math.round((res.peakMemoryKb ?? 0) / 1024)} MB peak
            </p>
          )}
        </div>
      )}
    </li>
  );
}
