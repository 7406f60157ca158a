import { Timestamp } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_WAIT_S,
  defaultPreferences,
  formatClock,
  normalisePreferences,
  preferencesFrom,
  toQueueEntry,
  validatePreferences,
  withPendingRole,
} from '../../src/features/practice/matchingDocs';
import { MATCHING_LIMITS } from '../../src/types/models';

const base = defaultPreferences(null);

describe('matching preferences', () => {
  it('a first visit gets a valid form', () => {
    expect(base.maxWaitTime).toBe(DEFAULT_MAX_WAIT_S);
    expect(validatePreferences(base)).toEqual({});
  });

  it('stored preferences are read field by field; a bad field takes the fallback', () => {
    const read = preferencesFrom(
      { sessionTypes: ['behavioral', 'nonsense'], difficultyLevels: 'hard', maxWaitTime: 10 ** 9, timeZone: 'Europe/Paris' },
      base,
    );
    expect(read.sessionTypes).toEqual(['behavioral']);
    expect(read.difficultyLevels).toEqual(base.difficultyLevels);
    expect(read.maxWaitTime).toBe(base.maxWaitTime);
    expect(read.timeZone).toBe('Europe/Paris');
    expect(preferencesFrom('not a record', base)).toBe(base);
  });

  it('says what is wrong, in words', () => {
    const errors = validatePreferences({ ...base, sessionTypes: [], maxWaitTime: MATCHING_LIMITS.maxWaitMax + 1, timeZone: 'Mars/Base' });
    expect(errors.sessionTypes).toMatch(/at least one/);
    expect(errors.maxWaitTime).toMatch(/how long/);
    expect(errors.timeZone).toMatch(/time zone/);
    expect(errors.languages).toBeUndefined();
  });

  it('a typed target role is added unless it repeats one', () => {
    const added = withPendingRole(base, '  Backend engineer ');
    expect(added.prefs.targetRoles).toEqual(['Backend engineer']);
    expect(withPendingRole(added.prefs, 'backend ENGINEER').problem).toMatch(/already/);
    expect(normalisePreferences({ ...base, targetRoles: [' a role ', ''] }).targetRoles).toEqual(['a role']);
  });
});

describe('queue entry reader', () => {
  it('reads a waiting entry and refuses an unknown status', () => {
    const joinedAt = Timestamp.fromMillis(1_700_000_000_000);
    const entry = toQueueEntry('u1', { ...base, status: 'waiting', joinedAt, sessionId: 42 });
    expect(entry?.status).toBe('waiting');
    expect(entry?.uid).toBe('u1');
    expect(entry?.joinedAt?.toMillis()).toBe(1_700_000_000_000);
    expect(entry?.sessionId).toBeUndefined();
    expect(toQueueEntry('u1', { ...base, status: 'paused' })).toBeNull();
    expect(toQueueEntry('u1', undefined)).toBeNull();
  });

  it('formats a clock', () => {
    expect(formatClock(0)).toBe('00:00');
    expect(formatClock(125)).toBe('02:05');
    expect(formatClock(-3)).toBe('00:00');
  });
});
