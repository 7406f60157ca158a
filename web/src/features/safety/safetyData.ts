/**
 * Safety: block and report go through callables (functions/salamin/safety.py), which keep the daily limits
 * and cancel what a block must cancel; staff read open reports (rules: the `admin` claim) and act through
 * callables too. A member reads their own suspension on users/{uid}.
 */
import {
  collection,
  doc,
  limit,
  onSnapshot,
  query,
  where,
  type DocumentData,
  type FirestoreError,
  type Unsubscribe,
} from 'firebase/firestore';
import { httpsCallable } from 'firebase/functions';
import { COLLECTIONS } from '../../lib/data/collections';
import { db, functions } from '../../lib/firebase';
import { isTimestamp, stringArray, stringOr } from '../../lib/firestoreValues';
import type { Report, ReportReason, Suspension } from '../../types/models';
import { REPORT_REASONS } from '../../types/models';

const blockCallable = httpsCallable<{ uid: string }, unknown>(functions, 'blockMember');
const unblockCallable = httpsCallable<{ uid: string }, unknown>(functions, 'unblockMember');
const reportCallable = httpsCallable<
  { subjectUid: string; reason: ReportReason; details: string; sessionId?: string },
  { reportId: string }
>(functions, 'reportMember');
const suspendCallable = httpsCallable<
  { uid: string; reason: string; untilMs: number; reportId?: string },
  unknown
>(functions, 'suspendMember');
const liftCallable = httpsCallable<{ uid: string }, unknown>(functions, 'liftSuspension');
const closeCallable = httpsCallable<{ reportId: string; resolution: 'dismissed' | 'actioned' }, unknown>(
  functions,
  'closeReport',
);

export async function blockMember(uid: string): Promise<void> {
  await blockCallable({ uid });
}

export async function unblockMember(uid: string): Promise<void> {
  await unblockCallable({ uid });
}

export async function reportMember(
  subjectUid: string,
  reason: ReportReason,
  details: string,
  sessionId?: string,
): Promise<string> {
  const res = await reportCallable({ subjectUid, reason, details, ...(sessionId ? { sessionId } : {}) });
  return res.data.reportId;
}

export async function suspendMember(uid: string, reason: string, untilMs: number, reportId?: string): Promise<void> {
  await suspendCallable({ uid, reason, untilMs, ...(reportId ? { reportId } : {}) });
}

export async function liftSuspension(uid: string): Promise<void> {
  await liftCallable({ uid });
}

export async function closeReport(reportId: string, resolution: 'dismissed' | 'actioned'): Promise<void> {
  await closeCallable({ reportId, resolution });
}

/** What the member's own users document says about blocks and a suspension in force. */
interface MySafety {
  blocked: string[];
  suspension: Suspension | null;
}

function toMySafety(data: DocumentData | undefined, nowMs: number): MySafety {
  const s: unknown = data?.suspension;
  let suspension: Suspension | null = null;
  if (typeof s === 'object' && s !== null && 'until' in s && isTimestamp(s.until) && s.until.toMillis() > nowMs) {
    suspension = { reason: 'reason' in s ? stringOr(s.reason, '') : '', until: s.until };
  }
  return { blocked: stringArray(data?.blockedUserIds), suspension };
}

export function watchMySafety(
  uid: string,
  onSafety: (safety: MySafety) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(doc(db, COLLECTIONS.users, uid), (snap) => onSafety(toMySafety(snap.data(), Date.now())), onError);
}

const REASONS = new Set<string>(REPORT_REASONS.map((r) => r.value));

function toReport(id: string, data: DocumentData): Report | null {
  if (typeof data.subjectUid !== 'string' || typeof data.reporterUid !== 'string') return null;
  const rawReason: unknown = data.reason;
  const reason = typeof rawReason === 'string' && REASONS.has(rawReason) ? (rawReason as ReportReason) : 'other';
  const rawStatus: unknown = data.status;
  const status = rawStatus === 'dismissed' || rawStatus === 'actioned' ? rawStatus : 'open';
  return {
    id,
    reporterUid: data.reporterUid,
    subjectUid: data.subjectUid,
    sessionId: typeof data.sessionId === 'string' ? data.sessionId : null,
    reason,
    details: stringOr(data.details, ''),
    status,
    createdAt: isTimestamp(data.createdAt) ? data.createdAt : null,
  };
}

/** Open reports, oldest first (at most 100; staff work through them). */
export function watchOpenReports(
  onReports: (reports: Report[]) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    query(collection(db, COLLECTIONS.reports), where('status', '==', 'open'), limit(100)),
    (snap) =>
      onReports(
        snap.docs
          .map((d) => toReport(d.id, d.data()))
          .filter((r): r is Report => r !== null)
          .sort((a, b) => (a.createdAt?.toMillis() ?? 0) - (b.createdAt?.toMillis() ?? 0)),
      ),
    onError,
  );
}
