/** Reads a peerSessions document defensively (pure: no Firestore I/O here). */
import type { DocumentData } from 'firebase/firestore';
import { booleanOr, isRecord, isTimestamp, numberOr, stringArray, stringOr, timestampOrNull } from '../firestoreValues';
import {
  isConnectionStatus,
  isDifficulty,
  isParticipantRole,
  isPeerSessionStatus,
  isSessionEndReason,
  isSessionType,
  isSpokenLanguage,
  WRITE_BUDGETS,
  type BudgetHold,
  type BudgetName,
  type ParticipantRole,
  type PeerSession,
  type PeerSessionParticipant,
  type PublicQuestion,
  type PublicQuestionCode,
  type QuestionSet,
} from '../../types/models';

function toParticipant(value: unknown): PeerSessionParticipant | null {
  if (!isRecord(value) || typeof value.userId !== 'string' || !isParticipantRole(value.role)) return null;
  return {
    userId: value.userId,
    displayName: stringOr(value.displayName, '').trim() || 'Your partner',
    role: value.role,
    connectionStatus: isConnectionStatus(value.connectionStatus) ? value.connectionStatus : 'pending',
    audioEnabled: booleanOr(value.audioEnabled, true),
    videoEnabled: booleanOr(value.videoEnabled, true),
    screenSharing: booleanOr(value.screenSharing, false),
    joinedAt: isTimestamp(value.joinedAt) ? value.joinedAt : null,
    leftAt: isTimestamp(value.leftAt) ? value.leftAt : null,
  };
}

/** Reads a peerSessions document defensively: unknown values fall back, absent interview fields stay absent. */
export function toPeerSession(id: string, data: DocumentData): PeerSession {
  const participants = Array.isArray(data.participants)
    ? data.participants.map(toParticipant).filter((p): p is PeerSessionParticipant => p !== null)
    : [];
  const roles: Record<string, ParticipantRole> = {};
  if (isRecord(data.roles)) {
    for (const [uid, role] of Object.entries(data.roles)) if (isParticipantRole(role)) roles[uid] = role;
  }
  const estimatedDuration = numberOr(data.estimatedDuration, 60);
  return {
    id: stringOr(data.id, id),
    participantIds: stringArray(data.participantIds),
    participants,
    roles,
    // A status this client does not know yet means the session has moved past "just matched".
    status: data.status === undefined ? 'matched' : isPeerSessionStatus(data.status) ? data.status : 'completed',
    source: stringOr(data.source, 'match'),
    sessionType: isSessionType(data.sessionType) ? data.sessionType : 'mixed',
    difficulty: isDifficulty(data.difficulty) ? data.difficulty : 'intermediate',
    language: isSpokenLanguage(data.language) ? data.language : 'english',
    estimatedDuration,
    halfDuration: numberOr(data.halfDuration, Math.floor(estimatedDuration / 2)),
    currentPhase: typeof data.currentPhase === 'string' ? data.currentPhase : null,
    requiresCodeEditor: booleanOr(data.requiresCodeEditor, false),
    requiresWhiteboard: booleanOr(data.requiresWhiteboard, false),
    recordingEnabled: booleanOr(data.recordingEnabled, false),
    createdAt: isTimestamp(data.createdAt) ? data.createdAt : null,
    matchedAt: isTimestamp(data.matchedAt) ? data.matchedAt : null,
    ...(typeof data.bentRoleFor === 'string' ? { bentRoleFor: data.bentRoleFor } : {}),
    ...interviewFields(data),
  };
}

function toPublicQuestion(value: unknown): PublicQuestion | null {
  if (!isRecord(value) || typeof value.id !== 'string') return null;
  const q: PublicQuestion = {
    id: value.id,
    title: stringOr(value.title, '').trim() || 'Untitled question',
    prompt: stringOr(value.prompt, ''),
    difficulty: stringOr(value.difficulty, ''),
    tags: stringArray(value.tags),
    category: stringOr(value.category, ''),
    estimatedMinutes: numberOr(value.estimatedMinutes, 0),
  };
  if (typeof value.version === 'number') q.version = value.version;
  // The starters and visible tests: passed through as the server wrote them.
  if (isRecord(value.code)) q.code = value.code as unknown as PublicQuestionCode;
  return q;
}

function toQuestionSet(value: unknown): QuestionSet | undefined {
  if (!isRecord(value)) return undefined;
  const set: QuestionSet = {};
  for (const half of ['1', '2'] as const) {
    const list = value[half];
    if (Array.isArray(list)) set[half] = list.map(toPublicQuestion).filter((q): q is PublicQuestion => q !== null);
  }
  return set;
}

type InterviewFields = Pick<
  PeerSession,
  | 'phaseIndex' | 'phaseStartedAt' | 'phaseEndsAt' | 'pendingAdvance' | 'nudge' | 'joinedIds' | 'questionSet'
  | 'questionIds' | 'startedAt' | 'endedAt' | 'endReason' | 'leftEarly' | 'feedbackSubmitted' | 'feedbackRevealed'
  | 'feedbackDeadline' | 'budgetHolds' | 'codeFull' | 'boardFull' | 'playedHalves'
>;

/** The fields the interview and feedback functions add to a session, read defensively (absent stays absent). */
function interviewFields(data: DocumentData): InterviewFields {
  const out: InterviewFields = {};
  if ('phaseIndex' in data)
    out.phaseIndex = typeof data.phaseIndex === 'number' && Number.isInteger(data.phaseIndex) ? data.phaseIndex : null;
  if ('phaseStartedAt' in data) out.phaseStartedAt = timestampOrNull(data.phaseStartedAt);
  if ('phaseEndsAt' in data) out.phaseEndsAt = timestampOrNull(data.phaseEndsAt);
  if (isRecord(data.pendingAdvance) && typeof data.pendingAdvance.by === 'string' && typeof data.pendingAdvance.fromIndex === 'number')
    out.pendingAdvance = { by: data.pendingAdvance.by, fromIndex: data.pendingAdvance.fromIndex };
  if (isRecord(data.nudge) && typeof data.nudge.phaseIndex === 'number')
    out.nudge = { phaseIndex: data.nudge.phaseIndex, message: stringOr(data.nudge.message, '') };
  if (Array.isArray(data.joinedIds)) out.joinedIds = stringArray(data.joinedIds);
  const questionSet = toQuestionSet(data.questionSet);
  if (questionSet) out.questionSet = questionSet;
  if (Array.isArray(data.questionIds)) out.questionIds = stringArray(data.questionIds);
  if ('startedAt' in data) out.startedAt = timestampOrNull(data.startedAt);
  if ('endedAt' in data) out.endedAt = timestampOrNull(data.endedAt);
  if ('endReason' in data) out.endReason = isSessionEndReason(data.endReason) ? data.endReason : null;
  if ('leftEarly' in data) out.leftEarly = typeof data.leftEarly === 'string' ? data.leftEarly : null;
  if (typeof data.playedHalves === 'number' && [0, 1, 2].includes(data.playedHalves)) out.playedHalves = data.playedHalves;
  if (Array.isArray(data.feedbackSubmitted)) out.feedbackSubmitted = stringArray(data.feedbackSubmitted);
  if ('feedbackRevealed' in data) out.feedbackRevealed = data.feedbackRevealed === true;
  if ('feedbackDeadline' in data) out.feedbackDeadline = timestampOrNull(data.feedbackDeadline);
  if (isRecord(data.budgetHolds)) {
    const holds: Record<string, BudgetHold> = {};
    for (const [uid, hold] of Object.entries(data.budgetHolds))
      if (isRecord(hold) && typeof hold.budget === 'string' && hold.budget in WRITE_BUDGETS)
        holds[uid] = { budget: hold.budget as BudgetName, at: timestampOrNull(hold.at), until: timestampOrNull(hold.until) };
    out.budgetHolds = holds;
  }
  if ('codeFull' in data) out.codeFull = data.codeFull === true;
  if ('boardFull' in data) out.boardFull = data.boardFull === true;
  return out;
}
