/**
 * Reading userStats/{uid} defensively, and the words for a session's outcome, reliability and phases.
 * Pure: nothing here talks to Firestore.
 */
import type { DocumentData, Timestamp } from 'firebase/firestore';
import {
  FEEDBACK_PHASE_INDEX,
  ROLE_SWITCH_PHASE_INDEX,
  SESSION_PHASE_LABELS,
  isSessionType,
  type ParticipantRole,
  type PeerSession,
  type RatingPoint,
  type Reliability,
  type RoleStats,
  type SessionType,
  type UserStats,
} from '../../types/models';
import { isTimestamp } from '../../lib/firestoreValues';

// ---------------------------------------------------------------------------
// userStats/{uid}
// ---------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function toRoleStats(value: unknown): RoleStats {
  const v = isRecord(value) ? value : {};
  return { sessionCount: num(v.sessionCount), averageRating: num(v.averageRating), totalDuration: num(v.totalDuration) };
}

function toReliability(value: unknown): Reliability {
  const v = isRecord(value) ? value : {};
  return {
    score: Math.min(1, Math.max(0, num(v.score, 1))),
    noShows: num(v.noShows),
    lateCancels: num(v.lateCancels),
    completed: num(v.completed),
  };
}

function toRatingPoint(value: unknown): RatingPoint | null {
  if (!isRecord(value)) return null;
  const overall = num(value.overall, NaN);
  if (!Number.isFinite(overall)) return null;
  return {
    sessionId: typeof value.sessionId === 'string' ? value.sessionId : '',
    at: isTimestamp(value.at) ? value.at : null,
    overall,
  };
}

/** Stats of someone who hasn't practised yet (the document appears after the first session). */
export const EMPTY_STATS: UserStats = {
  totalSessions: 0,
  completedSessions: 0,
  averageRating: 0,
  totalRatings: 0,
  asInterviewer: { sessionCount: 0, averageRating: 0, totalDuration: 0 },
  asInterviewee: { sessionCount: 0, averageRating: 0, totalDuration: 0 },
  specialtyBreakdown: {},
  reliability: { score: 1, noShows: 0, lateCancels: 0, completed: 0 },
  reputation: 0,
  ratingHistory: [],
};

export function toUserStats(data: DocumentData | undefined): UserStats {
  if (!data) return EMPTY_STATS;
  const breakdown: Partial<Record<SessionType, RoleStats>> = {};
  if (isRecord(data.specialtyBreakdown)) {
    for (const [type, value] of Object.entries(data.specialtyBreakdown)) if (isSessionType(type)) breakdown[type] = toRoleStats(value);
  }
  return {
    totalSessions: num(data.totalSessions),
    completedSessions: num(data.completedSessions),
    averageRating: num(data.averageRating),
    totalRatings: num(data.totalRatings),
    asInterviewer: toRoleStats(data.asInterviewer),
    asInterviewee: toRoleStats(data.asInterviewee),
    specialtyBreakdown: breakdown,
    reliability: toReliability(data.reliability),
    reputation: Math.min(100, Math.max(0, num(data.reputation))),
    ratingHistory: Array.isArray(data.ratingHistory)
      ? data.ratingHistory.map(toRatingPoint).filter((p): p is RatingPoint => p !== null)
      : [],
  };
}

// ---------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Excellent", "Good", … for a 0–1 reliability score, or null before there's anything to judge. */
export function reliabilityWords(r: Reliability): { label: string; detail: string } {
  const events = r.completed + r.noShows + r.lateCancels;
  if (events === 0) return { label: 'Not rated yet', detail: 'It builds up as you turn up to your sessions.' };
  const label = r.score >= 0.95 ? 'Excellent' : r.score >= 0.85 ? 'Good' : r.score >= 0.7 ? 'Fair' : 'Needs attention';
  const misses: string[] = [];
  if (r.noShows) misses.push(plural(r.noShows, 'no-show'));
  if (r.lateCancels) misses.push(plural(r.lateCancels, 'late cancellation'));
  const detail = misses.length
    ? `${Math.round(r.score * 100)}%: ${misses.join(', ')}`
    : `${Math.round(r.score * 100)}%: you turned up every time`;
  return { label, detail };
}

export function formatRating(value: number): string {
  return value.toFixed(1);
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const DATE_ONLY = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(ts: Timestamp | null | undefined): string {
  return ts && isTimestamp(ts) ? DATE_TIME.format(ts.toDate()) : 'Date unknown';
}

export function formatDate(ts: Timestamp | null | undefined): string {
  return ts && isTimestamp(ts) ? DATE_ONLY.format(ts.toDate()) : '';
}

/** When a session happened: started, else created. */
export function sessionTime(session: PeerSession): Timestamp | null {
  return session.startedAt ?? session.createdAt ?? session.matchedAt ?? null;
}

/** Whole minutes between start and end, when both are known. */
export function sessionMinutes(session: PeerSession): number | null {
  if (!session.startedAt || !session.endedAt) return null;
  const ms = session.endedAt.toMillis() - session.startedAt.toMillis();
  return ms > 0 ? Math.max(1, Math.round(ms / 60_000)) : null;
}

type OutcomeTone = 'ok' | 'warn' | 'muted' | 'live';

export interface Outcome {
  /** Stable key for tests and styling. */
  key: 'completed' | 'ended-early' | 'no-show' | 'called-off' | 'feedback' | 'in-progress' | 'upcoming';
  label: string;
  tone: OutcomeTone;
  /** A longer sentence, for the session page. */
  detail: string;
}

/** The session's status in words, from this participant's point of view. */
export function sessionOutcome(session: PeerSession, uid: string): Outcome {
  const leftByMe = session.leftEarly === uid;
  if (session.status === 'cancelled') {
    if (session.endReason === 'declined_role')
      return {
        key: 'called-off',
        label: 'Cancelled (not now)',
        tone: 'muted',
        detail: leftByMe
          ? 'You said “Not now” to a match that changed your first role. That costs nothing.'
          : 'Your partner said “Not now” before it started; you went back to the front of the queue.',
      };
    if (session.endReason === 'called_off')
      return {
        key: 'called-off',
        label: 'Cancelled (called off)',
        tone: 'muted',
        detail: leftByMe ? 'You called it off before it started.' : 'It was called off before it started.',
      };
    return {
      key: 'no-show',
      label: 'Cancelled (no-show)',
      tone: 'muted',
      detail: 'One of you didn’t join within five minutes, so the session was cancelled.',
    };
  }
  if (session.endReason === 'left_early' || (session.leftEarly && session.status !== 'matched')) {
    return {
      key: 'ended-early',
      label: 'Ended early',
      tone: 'warn',
      detail: leftByMe ? 'You left before the end.' : 'Your partner left before the end.',
    };
  }
  if (session.status === 'completed')
    return {
      key: 'completed',
      label: 'Completed',
      tone: 'ok',
      detail: session.endReason === 'time_limit' ? 'Completed: it reached its time limit.' : 'Completed.',
    };
  if (session.status === 'ending')
    return { key: 'feedback', label: 'Feedback time', tone: 'live', detail: 'The interview is over: time for feedback.' };
  if (session.status === 'active')
    return { key: 'in-progress', label: 'In progress', tone: 'live', detail: 'The interview is under way.' };
  return { key: 'upcoming', label: 'Not started', tone: 'live', detail: 'Waiting for you both to join the room.' };
}

export function firstRoleOf(session: PeerSession, uid: string): ParticipantRole | null {
  const me = session.participants.find((p) => p.userId === uid);
  if (me) return me.role;
  const other = session.participants.find((p) => p.userId !== uid);
  if (other) return other.role === 'interviewer' ? 'interviewee' : 'interviewer';
  return null;
}

export type PhaseState = 'done' | 'current' | 'cut-short' | 'not-reached';

export interface PhaseStep {
  index: number;
  label: string;
  state: PhaseState;
}

/**
 * Which of the six phases the session went through. Leaving early jumps straight to feedback, so the
 * interview phases after the last one known to have begun are "cut short" (the second half's questions
 * are revealed at the role switch: their presence says the switch was reached).
 */
export function phasesReached(session: PeerSession): PhaseStep[] {
  const index = session.phaseIndex ?? null;
  const finished = session.status === 'completed' || session.status === 'cancelled';
  const leftEarly = session.endReason === 'left_early' || Boolean(session.leftEarly);
  const knownReached =
    leftEarly && index !== null && index >= FEEDBACK_PHASE_INDEX
      ? (session.questionSet?.['2']?.length ?? 0) > 0
        ? ROLE_SWITCH_PHASE_INDEX
        : 0
      : null;
  return SESSION_PHASE_LABELS.map((label, i) => {
    let state: PhaseState;
    if (index === null) state = 'not-reached';
    else if (knownReached !== null && i < FEEDBACK_PHASE_INDEX && i > knownReached) state = 'cut-short';
    else if (i < index) state = 'done';
    else if (i === index) state = finished ? 'done' : 'current';
    else state = 'not-reached';
    return { index: i, label, state };
  });
}

/** How far the session got, in a few words. */
export function phasesPhrase(steps: readonly PhaseStep[]): string {
  const done = steps.filter((s) => s.state === 'done' || s.state === 'current');
  if (done.length === 0) return 'It didn’t start.';
  if (done.length === steps.length && steps.every((s) => s.state === 'done')) return 'All six phases.';
  const last = done[done.length - 1];
  return last ? `Up to ${last.label.toLowerCase()}.` : '';
}
