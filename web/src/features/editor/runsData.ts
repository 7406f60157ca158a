/**
 * peerSessions/{id}/runs (written only by the runCode function) and, for the hidden-case count, the
 * interviewer's private questions; both read through readers that check what is stored.
 */
import {
  collection,
  doc,
  limit,
  onSnapshot,
  orderBy,
  query,
  type DocumentData,
  type DocumentReference,
  type Query,
  type Unsubscribe,
} from 'firebase/firestore';
import { COLLECTIONS, SESSION_SUBCOLLECTIONS as SUB } from '../../lib/data/collections';
import { readConverter } from '../../lib/data/converter';
import { db } from '../../lib/firebase';
import { isRecord, numberOr, stringOr, timestampOrNull } from '../../lib/firestoreValues';
import {
  RUN_VERDICT_LABELS,
  isCodeLanguage,
  type CodeRun,
  type RunCase,
  type RunMode,
  type RunResult,
  type RunStatus,
  type RunVerdict,
} from '../../types/models';

const MODES: readonly RunMode[] = ['run', 'tests', 'hidden'];
const STATUSES: readonly RunStatus[] = ['queued', 'running', 'done', 'error'];

function isVerdict(value: unknown): value is RunVerdict {
  return typeof value === 'string' && value in RUN_VERDICT_LABELS;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Copies the keys whose value is defined (absent stays absent). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toRunCase(value: unknown): RunCase | null {
  if (!isRecord(value) || typeof value.id !== 'string' || !isVerdict(value.verdict)) return null;
  return defined<RunCase>({
    id: value.id,
    passed: value.passed === true,
    verdict: value.verdict,
    stdin: optionalString(value.stdin),
    expected: optionalString(value.expected),
    actual: optionalString(value.actual),
    stderr: optionalString(value.stderr),
    wallMs: optionalNumber(value.wallMs),
  });
}

function toRunResult(value: unknown): RunResult | null {
  if (!isRecord(value) || !isVerdict(value.verdict)) return null;
  const compile = isRecord(value.compile)
    ? defined({ ok: value.compile.ok === true, output: optionalString(value.compile.output) })
    : undefined;
  return defined<RunResult>({
    verdict: value.verdict,
    stdout: optionalString(value.stdout),
    stderr: optionalString(value.stderr),
    exitCode: typeof value.exitCode === 'number' ? value.exitCode : undefined,
    signal: typeof value.signal === 'string' ? value.signal : undefined,
    wallMs: optionalNumber(value.wallMs),
    cpuMs: optionalNumber(value.cpuMs),
    peakMemoryKb: optionalNumber(value.peakMemoryKb),
    message: optionalString(value.message),
    compile,
    passed: optionalNumber(value.passed),
    total: optionalNumber(value.total),
    tests: Array.isArray(value.tests) ? value.tests.map(toRunCase).filter((c): c is RunCase => c !== null) : undefined,
  });
}

/** One run, or null when the document is not one this client can show. */
export function toCodeRun(id: string, data: DocumentData): CodeRun | null {
  if (!MODES.includes(data.mode as RunMode) || !STATUSES.includes(data.status as RunStatus) || !isCodeLanguage(data.language))
    return null;
  const run: CodeRun = {
    id,
    by: stringOr(data.by, ''),
    mode: data.mode as RunMode,
    language: data.language,
    questionId: typeof data.questionId === 'string' ? data.questionId : null,
    status: data.status as RunStatus,
    createdAt: timestampOrNull(data.createdAt),
    startedAt: timestampOrNull(data.startedAt),
    finishedAt: timestampOrNull(data.finishedAt),
    result: toRunResult(data.result),
    error: typeof data.error === 'string' ? data.error : null,
  };
  if (typeof data.stdin === 'string') run.stdin = data.stdin;
  if (isRecord(data.busy)) run.busy = { position: numberOr(data.busy.position, 0), waitS: numberOr(data.busy.waitS, 0) };
  return run;
}

/** The session's latest runs, newest first. */
function latestRunsQuery(sessionId: string, max: number): Query<CodeRun | null, DocumentData> {
  return query(
    collection(db, COLLECTIONS.peerSessions, sessionId, SUB.runs).withConverter(readConverter(toCodeRun)),
    orderBy('createdAt', 'desc'),
    limit(max),
  );
}

/** How many hidden cases each of the interviewer's questions has, by question id. */
export function toHiddenCounts(data: DocumentData): Map<string, number> {
  const counts = new Map<string, number>();
  if (Array.isArray(data.questions))
    for (const q of data.questions) {
      if (!isRecord(q) || typeof q.id !== 'string') continue;
      const tests = isRecord(q.code) ? q.code.tests : undefined;
      counts.set(q.id, Array.isArray(tests) ? tests.length : 0);
    }
  return counts;
}

function hiddenCountsRef(sessionId: string, uid: string): DocumentReference<Map<string, number> | null, DocumentData> {
  return doc(db, COLLECTIONS.peerSessions, sessionId, SUB.private, uid).withConverter(readConverter((_id, data) => toHiddenCounts(data)));
}

/** Follows the session's latest runs, newest first (documents it cannot read are left out). */
export function watchLatestRuns(
  sessionId: string,
  max: number,
  onRuns: (runs: CodeRun[]) => void,
  onError: () => void,
): Unsubscribe {
  return onSnapshot(
    latestRunsQuery(sessionId, max),
    (s) => onRuns(s.docs.map((d) => d.data()).filter((r): r is CodeRun => r !== null)),
    onError,
  );
}

/** Follows the hidden-case counts of the interviewer's questions (null when absent or refused). */
export function watchHiddenCounts(
  sessionId: string,
  uid: string,
  fn: (counts: Map<string, number> | null) => void,
): Unsubscribe {
  return onSnapshot(
    hiddenCountsRef(sessionId, uid),
    (s) => fn(s.data() ?? null),
    () => fn(null),
  );
}
