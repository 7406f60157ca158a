/** Rules about a session both the room and the Sessions pages apply: partner, rubric, feedback window. */
import {
  FEEDBACK_LIMITS as L,
  FEEDBACK_PHASE_INDEX,
  RUBRIC_BY_SESSION_TYPE,
  isSessionType,
  type ParticipantRole,
  type PeerSession,
  type RubricItem,
} from '../types/models';
import { isTimestamp } from './firestoreValues';

/** The rubric for the session's type (the mixed one for a type this client doesn't know). */
export function rubricFor(session: Pick<PeerSession, 'sessionType'>): readonly RubricItem[] {
  return isSessionType(session.sessionType) ? RUBRIC_BY_SESSION_TYPE[session.sessionType] : RUBRIC_BY_SESSION_TYPE.mixed;
}

/**
 * The interview halves the session played: the server's playedHalves, or for an older session the
 * interview phases its phase index passed (functions/salamin/lifecycle.played_halves_of).
 */
function playedHalves(session: Pick<PeerSession, 'playedHalves' | 'phaseIndex'>): number {
  if (session.playedHalves !== undefined) return session.playedHalves;
  const reached = session.phaseIndex ?? -1;
  return (reached >= 1 ? 1 : 0) + (reached >= 3 ? 1 : 0);
}

/** The roles the partner of `uid` played in the halves that happened, first half first. */
export function partnerRolesPlayed(session: PeerSession, uid: string): ParticipantRole[] {
  const partnerUid = session.participantIds.find((p) => p !== uid) ?? '';
  const first = session.participants.find((p) => p.userId === partnerUid)?.role;
  if (first === undefined) return [];
  const second: ParticipantRole = first === 'interviewer' ? 'interviewee' : 'interviewer';
  return [first, second].slice(0, playedHalves(session));
}

/**
 * What feedback about the partner rates: the rubric (how they answered) only if they were interviewed in
 * a half that was played. The Firestore rules (`rubricWanted`) refuse any other shape.
 */
export function feedbackRubric(session: PeerSession, uid: string): readonly RubricItem[] {
  return partnerRolesPlayed(session, uid).includes('interviewee') ? rubricFor(session) : [];
}

export interface Partner {
  uid: string;
  name: string;
}

export function partnerOf(session: PeerSession, uid: string): Partner {
  const partnerUid = session.participantIds.find((p) => p !== uid) ?? '';
  const name = session.participants.find((p) => p.userId === partnerUid)?.displayName?.trim();
  return { uid: partnerUid, name: name || 'your partner' };
}

/** The interview phases are over: feedback may be given (if the session took place at all). */
export function interviewOver(session: PeerSession): boolean {
  if (session.status === 'cancelled') return false;
  return (session.phaseIndex ?? -1) >= FEEDBACK_PHASE_INDEX || session.status === 'ending' || session.status === 'completed';
}

/**
 * Where this participant's feedback stands, as far as the session document says:
 * 'none' (a cancelled session: nothing to rate), 'not-yet' (the interview is still on), 'sent'
 * (the server has recorded it), 'closed' (the 48 hours are over) or 'open'.
 */
export type FeedbackWindow = 'none' | 'not-yet' | 'open' | 'sent' | 'closed';

export function feedbackWindow(session: PeerSession, uid: string, now: number): FeedbackWindow {
  if (session.status === 'cancelled') return 'none';
  if (!interviewOver(session)) return 'not-yet';
  if (session.feedbackSubmitted?.includes(uid)) return 'sent';
  const deadline = session.feedbackDeadline;
  if (deadline && isTimestamp(deadline) && now > deadline.toMillis()) return 'closed';
  // Revealed without our feedback means the deadline has passed.
  if (session.feedbackRevealed === true) return 'closed';
  return 'open';
}

export function isRating(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= L.ratingMin && value <= L.ratingMax;
}
