/**
 * The room's documents under peerSessions/{sessionId}: signaling and presence (the call engine),
 * the interviewer's private questions and notes. Each is read through a reader that checks what is
 * stored; writes go through the functions here.
 */
import {
  collection,
  doc,
  onSnapshot,
  serverTimestamp,
  setDoc,
  writeBatch,
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  type Unsubscribe,
} from 'firebase/firestore';
import { COLLECTIONS, SESSION_SUBCOLLECTIONS as SUB } from '../../lib/data/collections';
import { readConverter } from '../../lib/data/converter';
import { db } from '../../lib/firebase';
import { booleanOr, isRecord, stringArray, stringOr, timestampOrNull } from '../../lib/firestoreValues';
import type { QualitySummary } from './callQuality';
import type { StallReason } from './callEngine';
import type { CallState, Presence, PrivateQuestion, PrivateQuestionsDoc, SignalMessage } from '../../types/models';

const CALL_STATES: readonly CallState[] = ['connecting', 'connected', 'reconnecting', 'failed', 'left'];

function isCallState(value: unknown): value is CallState {
  return CALL_STATES.includes(value as CallState);
}

/** A presence document, or null when it is not one. */
export function toPresence(uid: string, data: DocumentData): Presence | null {
  if (typeof data.peerId !== 'string' || !isCallState(data.state)) return null;
  return {
    uid: stringOr(data.uid, uid),
    peerId: data.peerId,
    state: data.state,
    audioEnabled: booleanOr(data.audioEnabled, true),
    videoEnabled: booleanOr(data.videoEnabled, true),
    screenSharing: booleanOr(data.screenSharing, false),
    updatedAt: timestampOrNull(data.updatedAt),
    leftSession: data.state === 'left' && data.leftSession === true,
  };
}

/** A signaling message, or null when it is not one (such a message is skipped). */
export function toSignal(data: DocumentData): SignalMessage | null {
  const { from, to, fromPeer, type } = data as Record<string, unknown>;
  if (typeof from !== 'string' || typeof to !== 'string' || typeof fromPeer !== 'string') return null;
  if (type !== 'offer' && type !== 'answer' && type !== 'candidate') return null;
  const msg: SignalMessage = { from, to, fromPeer, type, createdAt: timestampOrNull(data.createdAt) };
  if (typeof data.sdp === 'string') msg.sdp = data.sdp;
  const c: unknown = data.candidate;
  if (isRecord(c) && typeof c.candidate === 'string') {
    msg.candidate = {
      candidate: c.candidate,
      sdpMid: typeof c.sdpMid === 'string' ? c.sdpMid : null,
      sdpMLineIndex: typeof c.sdpMLineIndex === 'number' ? c.sdpMLineIndex : null,
      ...(typeof c.usernameFragment === 'string' ? { usernameFragment: c.usernameFragment } : {}),
    };
  }
  return msg;
}

function toPrivateQuestion(value: unknown): PrivateQuestion | null {
  if (!isRecord(value) || typeof value.id !== 'string') return null;
  const q: PrivateQuestion = { id: value.id };
  if (Array.isArray(value.hints)) q.hints = stringArray(value.hints);
  if (typeof value.solution === 'string') q.solution = value.solution;
  if (Array.isArray(value.rubric))
    q.rubric = value.rubric
      .filter(isRecord)
      .map((r) => ({ criterion: stringOr(r.criterion, ''), description: stringOr(r.description, '') }));
  return q;
}

/** peerSessions/{id}/private/{uid}: the interviewer's questions with hints and solutions. */
export function toPrivateQuestions(data: DocumentData): PrivateQuestionsDoc | null {
  if (typeof data.half !== 'number' || !Array.isArray(data.questions)) return null;
  return { half: data.half, questions: data.questions.map(toPrivateQuestion).filter((q): q is PrivateQuestion => q !== null) };
}

const sessionDoc = (sessionId: string) => doc(db, COLLECTIONS.peerSessions, sessionId);

// ---- signaling and presence (the call engine) -------------------------------------------------------

const signalConverter = readConverter((_id, data) => toSignal(data));
const presenceConverter = readConverter(toPresence);

export function signalingCollection(sessionId: string): CollectionReference<SignalMessage | null, DocumentData> {
  return collection(sessionDoc(sessionId), SUB.signaling).withConverter(signalConverter);
}

/** A message's document: a new id when none is given. */
export function signalRef(sessionId: string, id?: string): DocumentReference {
  const signals = collection(sessionDoc(sessionId), SUB.signaling);
  return id === undefined ? doc(signals) : doc(signals, id);
}

/** Deletes handled messages in one write (a batch holds at most 500). */
export async function deleteSignals(sessionId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 400) {
    const batch = writeBatch(db);
    for (const id of ids.slice(i, i + 400)) batch.delete(signalRef(sessionId, id));
    await batch.commit();
  }
}

export function presenceCollection(sessionId: string): CollectionReference<Presence | null, DocumentData> {
  return collection(sessionDoc(sessionId), SUB.presence).withConverter(presenceConverter);
}

export function presenceRef(sessionId: string, uid: string): DocumentReference {
  return doc(sessionDoc(sessionId), SUB.presence, uid);
}

// ---- call quality (callQuality.ts) ------------------------------------------------------------------------

/** This participant's quality summary; the rules let it change at most once a minute. */
export function writeQualitySummary(sessionId: string, uid: string, summary: QualitySummary): Promise<void> {
  return setDoc(doc(sessionDoc(sessionId), SUB.quality, uid), { uid, ...summary, updatedAt: serverTimestamp() });
}

/** An attempt that did not connect within 15 s: how many so far in this page, and the last one's reason. */
export function recordFailedAttempt(sessionId: string, uid: string, reason: StallReason, failures: number): Promise<void> {
  return setDoc(doc(sessionDoc(sessionId), SUB.callAttempts, uid), {
    uid,
    failures: Math.min(failures, 100),
    reason,
    updatedAt: serverTimestamp(),
  });
}

// ---- the interviewer's questions and notes -------------------------------------------------------------

function privateQuestionsRef(sessionId: string, uid: string): DocumentReference<PrivateQuestionsDoc | null, DocumentData> {
  return doc(sessionDoc(sessionId), SUB.private, uid).withConverter(readConverter((_id, data) => toPrivateQuestions(data)));
}

const notesRef = (sessionId: string, uid: string) => doc(sessionDoc(sessionId), SUB.notes, uid);

/** Calls `fn` with the saved notes' text ('' when none yet). */
/** The interviewer's private questions for this half (null when absent or refused). */
export function watchPrivateQuestions(
  sessionId: string,
  uid: string,
  fn: (doc: PrivateQuestionsDoc | null) => void,
): Unsubscribe {
  return onSnapshot(
    privateQuestionsRef(sessionId, uid),
    (snap) => fn(snap.data() ?? null),
    () => fn(null),
  );
}

export function watchNotes(sessionId: string, uid: string, fn: (text: string | null) => void): Unsubscribe {
  return onSnapshot(notesRef(sessionId, uid), (snap) => {
    const text: unknown = snap.get('text');
    fn(snap.exists() ? (typeof text === 'string' ? text : '') : null);
  });
}

export function saveNotes(sessionId: string, uid: string, text: string): Promise<void> {
  return setDoc(notesRef(sessionId, uid), { uid, text, updatedAt: serverTimestamp() });
}
