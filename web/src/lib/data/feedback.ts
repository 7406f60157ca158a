/**
 * peerSessions/{sessionId}/feedback/{fromUid}. The author creates it once (the rules refuse an update),
 * about the partner, once the interview phases are over; the partner may read it only when
 * session.feedbackRevealed is true.
 */
import { doc, getDoc, setDoc, type DocumentData, type DocumentReference, type FieldValue } from 'firebase/firestore';
import { db } from '../firebase';
import { isTimestamp } from '../firestoreValues';
import { isRating } from '../sessionRules';
import { RUBRIC_LABELS, isFeedbackTag, type RubricKey, type SessionFeedback } from '../../types/models';
import { COLLECTIONS, SESSION_SUBCOLLECTIONS } from './collections';
import { readConverter } from './converter';

/** Exactly the fields the rules accept, nothing else. */
export type FeedbackWrite = Omit<SessionFeedback, 'createdAt'> & { createdAt: FieldValue };

/** A feedback document read defensively; null when it isn't one. */
export function toFeedback(data: DocumentData | undefined): SessionFeedback | null {
  if (!data || typeof data.from !== 'string' || !isRating(data.overall)) return null;
  const rubric: Partial<Record<RubricKey, number>> = {};
  if (typeof data.rubric === 'object' && data.rubric !== null) {
    for (const [key, value] of Object.entries(data.rubric as Record<string, unknown>)) {
      if (key in RUBRIC_LABELS && isRating(value)) rubric[key as RubricKey] = value;
    }
  }
  return {
    from: data.from,
    to: typeof data.to === 'string' ? data.to : '',
    overall: data.overall,
    rubric,
    tags: Array.isArray(data.tags) ? data.tags.filter(isFeedbackTag) : [],
    text: typeof data.text === 'string' ? data.text : '',
    wouldPracticeAgain: data.wouldPracticeAgain === true,
    createdAt: isTimestamp(data.createdAt) ? data.createdAt : null,
  };
}

const feedbackConverter = readConverter((_id, data) => toFeedback(data));

function feedbackDoc(sessionId: string, fromUid: string): DocumentReference {
  return doc(db, COLLECTIONS.peerSessions, sessionId, SESSION_SUBCOLLECTIONS.feedback, fromUid);
}

/** The feedback `fromUid` gave in a session, read through toFeedback. */
export function feedbackRef(sessionId: string, fromUid: string): DocumentReference<SessionFeedback | null, DocumentData> {
  return feedbackDoc(sessionId, fromUid).withConverter(feedbackConverter);
}

/** Whether it exists, and what it says (null when it exists but cannot be read as feedback). */
export async function readFeedback(
  sessionId: string,
  fromUid: string,
): Promise<{ exists: boolean; feedback: SessionFeedback | null }> {
  const snap = await getDoc(feedbackRef(sessionId, fromUid));
  return { exists: snap.exists(), feedback: snap.data() ?? null };
}

/** Creates the author's feedback (once: the rules refuse a second write). */
export async function writeFeedback(sessionId: string, fromUid: string, write: FeedbackWrite): Promise<void> {
  await setDoc(feedbackDoc(sessionId, fromUid), write);
}
