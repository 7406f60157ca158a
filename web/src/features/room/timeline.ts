/**
 * When each step of setting up a call happened in this page (wall-clock ms, first time only), so every
 * wait is visible: bench/rtc_connect.py reads `window.__salaminTimeline` from both pages and reports each
 * step's p50/p95; a person debugging a slow join can read it from the console.
 */
export type TimelineStep =
  | 'roomOpened'
  | 'joinPressed'
  | 'iceFetched'
  | 'sessionJoined'
  | 'engineStarted'
  | 'presenceWritten'
  | 'partnerSeen'
  | 'offerCreated'
  | 'offerSent'
  | 'offerReceived'
  | 'answerCreated'
  | 'answerSent'
  | 'answerReceived'
  | 'firstLocalCandidate'
  | 'firstCandidateSent'
  | 'firstCandidateReceived'
  | 'candidatePair'
  | 'connected'
  | 'firstRemoteFrame';

type Timeline = Partial<Record<TimelineStep, number>>;

declare global {
  interface Window {
    __salaminTimeline?: Timeline;
  }
}

let steps: Timeline = {};

/** A new room: forget the previous one's steps. */
export function resetTimeline(): void {
  steps = {};
  window.__salaminTimeline = steps;
}

/** Note that `step` happened now, unless it already did in this room. */
export function markStep(step: TimelineStep): void {
  if (steps[step] !== undefined) return;
  steps[step] = Date.now();
  window.__salaminTimeline = steps;
}
