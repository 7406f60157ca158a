import { Timestamp } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { toPeerSession } from '../../src/lib/data/peerSessionDoc';
import {
  EMPTY_STATS,
  phasesPhrase,
  phasesReached,
  plural,
  reliabilityWords,
  sessionMinutes,
  sessionOutcome,
  toUserStats,
} from '../../src/features/sessions/sessionDocs';
import { FEEDBACK_PHASE_INDEX } from '../../src/types/models';

const T0 = 1_700_000_000_000;
const session = (extra: Record<string, unknown>) =>
  toPeerSession('s1', { participantIds: ['a', 'b'], participants: [], status: 'completed', ...extra });

describe('user stats reader', () => {
  it('reads what is there and keeps the reputation in 0..100', () => {
    expect(toUserStats(undefined)).toBe(EMPTY_STATS);
    const stats = toUserStats({ totalSessions: 3, reputation: 140, ratingHistory: [{ nonsense: true }], specialtyBreakdown: { technical: {}, bogus: {} } });
    expect(stats.totalSessions).toBe(3);
    expect(stats.reputation).toBe(100);
    expect(stats.ratingHistory).toEqual([]);
    expect(Object.keys(stats.specialtyBreakdown)).toEqual(['technical']);
  });
});

describe('a session in words', () => {
  it('says who left early and how long it lasted', () => {
    const s = session({
      endReason: 'left_early',
      leftEarly: 'a',
      startedAt: Timestamp.fromMillis(T0),
      endedAt: Timestamp.fromMillis(T0 + 14 * 60_000),
    });
    expect(sessionOutcome(s, 'a').detail).toBe('You left before the end.');
    expect(sessionOutcome(s, 'b').detail).toBe('Your partner left before the end.');
    expect(sessionMinutes(s)).toBe(14);
    expect(sessionOutcome(session({ status: 'cancelled' }), 'a').key).toBe('no-show');
  });

  it('marks the phases cut short by leaving early', () => {
    const steps = phasesReached(session({ phaseIndex: FEEDBACK_PHASE_INDEX, endReason: 'left_early', leftEarly: 'b' }));
    expect(steps.some((s) => s.state === 'cut-short')).toBe(true);
    expect(steps[0]?.state).toBe('done');
    expect(phasesPhrase(phasesReached(session({ status: 'completed', phaseIndex: 5 })))).toBe('All six phases.');
    expect(phasesPhrase(phasesReached(session({ status: 'cancelled' })))).toBe('It didn’t start.');
  });

  it('words counts and reliability', () => {
    expect(plural(1, 'session')).toBe('1 session');
    expect(plural(2, 'session')).toBe('2 sessions');
    expect(reliabilityWords({ score: 1, noShows: 0, lateCancels: 0, completed: 0 }).label).toBe('Not rated yet');
    expect(reliabilityWords({ score: 0.8, noShows: 1, lateCancels: 0, completed: 4 }).detail).toBe('80%: 1 no-show');
  });
});
