/**
 * The browser's side of the matching queue: join, cancel, clear a finished entry, and the reads
 * around it (remembered preferences, the "no match" notification, the honest waiting count).
 */
import { FirebaseError } from 'firebase/app';
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  runTransaction,
  serverTimestamp,
  setDoc,
  updateDoc,
  type FieldValue,
} from 'firebase/firestore';
import { httpsCallable } from 'firebase/functions';
import { COLLECTIONS } from '../../lib/data/collections';
import { db, functions } from '../../lib/firebase';
import {
  isParticipantRole,
  type MatchingPreferences,
  type MatchingQueueEntry,
  type MatchingStatusResponse,
  type MatchingWiden,
  type Notification,
  type RolePreference,
} from '../../types/models';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { toNotification } from '../../lib/data/notification';
import { normalisePreferences, toQueueEntry } from './matchingDocs';

export const queueEntryRef = (uid: string) => doc(db, COLLECTIONS.matchingQueue, uid);

/** The user's own entry as it changes (null when there is none or it cannot be read). */
export function watchQueueEntry(uid: string, onEntry: (entry: MatchingQueueEntry | null) => void): () => void {
  return onSnapshot(
    queueEntryRef(uid),
    (snap) => onEntry(toQueueEntry(uid, snap.data())),
    () => onEntry(null),
  );
}
const notificationsOf = (uid: string) => collection(db, COLLECTIONS.users, uid, COLLECTIONS.notifications);

/** Exactly the fields the rules allow a client to create. */
type QueueEntryCreate = MatchingPreferences & { uid: string; status: 'waiting'; joinedAt: FieldValue };

function offline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

function offlineError(): FirebaseError {
  return new FirebaseError('unavailable', 'The browser is offline.');
}

/**
 * Joins the queue with these preferences. A finished entry (e.g. 'matched' from last time) is
 * removed first, since the rules never let an entry be overwritten; an entry that is still
 * 'waiting' is kept, and the waiting screen simply resumes.
 */
export async function joinQueue(uid: string, prefs: MatchingPreferences): Promise<'joined' | 'resumed'> {
  // Offline, Firestore would queue the write and wait; say so instead.
  if (offline()) throw offlineError();
  const ref = queueEntryRef(uid);
  const existing = await getDoc(ref);
  if (existing.exists()) {
    if (existing.get('status') === 'waiting') return 'resumed';
    await deleteDoc(ref);
  }
  const p = normalisePreferences(prefs);
  const entry: QueueEntryCreate = {
    uid,
    sessionTypes: p.sessionTypes,
    difficultyLevels: p.difficultyLevels,
    rolePreference: p.rolePreference,
    languages: p.languages,
    industries: p.industries,
    targetRoles: p.targetRoles,
    timeZone: p.timeZone,
    experienceLevel: p.experienceLevel,
    maxWaitTime: p.maxWaitTime,
    status: 'waiting',
    joinedAt: serverTimestamp(),
  };
  await setDoc(ref, entry);
  return 'joined';
}

/**
 * Leaves the queue, but only while still waiting: if the server matched us a moment ago the entry
 * is kept (deleting it would strand the partner), and 'matched' is returned.
 */
export async function cancelSearch(uid: string): Promise<'cancelled' | 'matched' | 'gone'> {
  if (offline()) throw offlineError();
  const ref = queueEntryRef(uid);
  return runTransaction(db, async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists()) return 'gone';
    if (snap.get('status') !== 'waiting') return 'matched';
    tx.delete(ref);
    return 'cancelled';
  });
}

/** Removes a finished (matched) entry whose session is over or gone. */
export async function clearQueueEntry(uid: string): Promise<void> {
  if (offline()) throw offlineError();
  await deleteDoc(queueEntryRef(uid));
}

const declineMatchCallable = httpsCallable<{ sessionId: string }, unknown>(functions, 'declineMatch');

/**
 * "Not now" on the match screen: the server cancels the session at once, tells the partner and puts them
 * back at the front of the queue, and removes this entry. Resolves to what it cost.
 */
export async function declineMatch(sessionId: string): Promise<'none' | 'late_cancel'> {
  if (offline()) throw offlineError();
  const { data } = await declineMatchCallable({ sessionId });
  const cost = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).cost : null;
  return cost === 'none' ? 'none' : 'late_cancel';
}

const takeMatchRoleCallable = httpsCallable<{ role: RolePreference }, unknown>(functions, 'takeMatchRole');

/** "Start as interviewer to be matched now": the waiting entry's first role becomes `role`, and it looks at once. */
export async function takeMatchRole(role: RolePreference): Promise<void> {
  if (offline()) throw offlineError();
  await takeMatchRoleCallable({ role });
}

/** users/{uid}.lastPreferences, as stored by the server (unchecked), or null. */
export async function fetchLastPreferences(uid: string): Promise<unknown> {
  const snap = await getDoc(doc(db, COLLECTIONS.users, uid));
  const value: unknown = snap.exists() ? snap.get('lastPreferences') : null;
  return value ?? null;
}

/**
 * The server's "No match found" notification for a stay in the queue. Its id is
 * `timeout-{joinedMs}` (allowing for a millisecond of rounding); failing that, the newest unread
 * 'match_timeout' among the latest notifications (a query that needs no composite index).
 */
export async function findTimeoutNotification(uid: string, joinedMs: number | null): Promise<Notification | null> {
  if (joinedMs !== null) {
    const snaps = await Promise.all(
      [joinedMs, joinedMs - 1, joinedMs + 1].map((ms) => getDoc(doc(notificationsOf(uid), `timeout-${ms}`))),
    );
    for (const snap of snaps) {
      const data = snap.data();
      const note = data ? toNotification(snap.id, data) : null;
      if (note?.type === 'match_timeout') return note;
    }
  }
  const latest = await getDocs(query(notificationsOf(uid), orderBy('createdAt', 'desc'), limit(10)));
  for (const snap of latest.docs) {
    const note = toNotification(snap.id, snap.data());
    if (note?.type === 'match_timeout' && !note.read) return note;
  }
  return null;
}

/** Marks a notification read; a missing one (or a failure) is not worth bothering the user about. */
export async function markNotificationRead(uid: string, notificationId: string): Promise<void> {
  try {
    await updateDoc(doc(notificationsOf(uid), notificationId), { read: true });
  } catch {
    // Best effort.
  }
}

const matchingStatusCallable = httpsCallable<void, unknown>(functions, 'matchingStatus');

/** The `matchingStatus` callable, its answer checked. */
export async function fetchMatchingStatus(): Promise<MatchingStatusResponse> {
  const { data } = await matchingStatusCallable();
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const status = record.status === 'waiting' || record.status === 'matched' ? record.status : 'none';
  const out: MatchingStatusResponse = { status, waitingCompatible: countOf(record.waitingCompatible) ?? 0 };
  if (typeof record.sessionId === 'string') out.sessionId = record.sessionId;
  const widen = record.widen;
  if (typeof widen === 'object' && widen !== null) {
    const w = widen as Record<string, unknown>;
    const parsed: MatchingWiden = { allSessionTypes: countOf(w.allSessionTypes) ?? 0 };
    const either = countOf(w.eitherRole);
    const sameRole = countOf(w.sameRoleAfterBend);
    const bendIn = countOf(w.bendInS);
    if (either !== null) parsed.eitherRole = either;
    if (sameRole !== null) parsed.sameRoleAfterBend = sameRole;
    if (bendIn !== null) parsed.bendInS = bendIn;
    out.widen = parsed;
  }
  const median = countOf(record.medianWaitS);
  const sample = countOf(record.medianSample);
  if (median !== null && sample !== null) {
    out.medianWaitS = median;
    out.medianSample = sample;
  }
  const offer = record.roleOffer;
  if (typeof offer === 'object' && offer !== null) {
    const o = offer as Record<string, unknown>;
    const partners = countOf(o.partners);
    if (isParticipantRole(o.role) && partners) out.roleOffer = { role: o.role, partners };
  }
  return out;
}

/** A non-negative whole number from the server, or null. */
function countOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.floor(value)) : null;
}

/** Plain words for a failure to join the queue. */
export function joinErrorMessage(error: unknown): string {
  if (error instanceof FirebaseError) {
    switch (error.code) {
      case 'permission-denied':
      case 'unauthenticated':
        return 'We couldn’t join the queue. Please sign in again.';
      case 'unavailable':
      case 'deadline-exceeded':
        return 'You seem to be offline. Check your connection, then try again.';
      default:
        break;
    }
  }
  return `We couldn’t join the queue. ${firestoreErrorMessage(error)}`;
}

/** Plain words for a failure to leave the queue (cancel, "Not now"). */
export function leaveErrorMessage(error: unknown): string {
  if (error instanceof FirebaseError) {
    if (error.code === 'unavailable' || error.code === 'deadline-exceeded')
      return 'You seem to be offline, so we couldn’t take you out of the queue. Check your connection, then try again.';
    if (error.code === 'permission-denied' || error.code === 'unauthenticated')
      return 'We couldn’t take you out of the queue. Please sign in again.';
  }
  return `We couldn’t take you out of the queue. ${firestoreErrorMessage(error)}`;
}
