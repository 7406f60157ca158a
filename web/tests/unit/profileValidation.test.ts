import { describe, expect, it } from 'vitest';
import { normaliseProfile, validateProfile } from '../../src/features/profile/profileValidation';
import { TARGET_ROLE_RULES, tagProblem } from '../../src/lib/tags';
import { PROFILE_LIMITS, type CommunityProfileEditable } from '../../src/types/models';
import { formatAvailability, parseAvailability } from '../../src/lib/availability';

const valid: CommunityProfileEditable = {
  displayName: 'Ada Lovelace',
  headline: '',
  bio: '',
  experienceLevel: 'mid',
  timeZone: 'Europe/London',
  languages: ['english'],
  industries: [],
  targetRoles: ['Backend engineer'],
  specialties: [],
  listed: true,
  availability: 'mon 09:00-12:00;sun 18:30-24:00',
  openToRandom: true,
  preferredSessionTypes: ['technical'],
  maxSessionsPerDay: 2,
  feedbackStyle: 'balanced',
  openToMentoring: false,
  onboarded: true,
};

describe('profile validation', () => {
  it('accepts a valid profile', () => {
    expect(validateProfile(valid)).toEqual({});
  });

  it('mirrors the server limits, with words', () => {
    const errors = validateProfile({
      ...valid,
      displayName: ' ',
      bio: 'x'.repeat(PROFILE_LIMITS.bioMax + 1),
      timeZone: 'Nowhere/Land',
      languages: [],
      targetRoles: ['Backend', 'backend'],
    });
    expect(errors.displayName).toMatch(/display name/);
    expect(errors.bio).toMatch(String(PROFILE_LIMITS.bioMax));
    expect(errors.timeZone).toMatch(/time zone/);
    expect(errors.languages).toMatch(/at least one/);
    expect(errors.targetRoles).toMatch(/different/);
  });

  it('a tag is refused when empty, too long, repeated or one too many', () => {
    expect(tagProblem(' ', [], TARGET_ROLE_RULES)).toMatch(/Type a target role/);
    expect(tagProblem('x'.repeat(TARGET_ROLE_RULES.maxLength + 1), [], TARGET_ROLE_RULES)).toMatch(/characters or fewer/);
    expect(tagProblem('SRE', ['sre'], TARGET_ROLE_RULES)).toMatch(/already/);
    const full = Array.from({ length: TARGET_ROLE_RULES.max }, (_, i) => `role ${i}`);
    expect(tagProblem('one more', full, TARGET_ROLE_RULES)).toMatch(/up to/);
  });

  it('trims what is written', () => {
    const out = normaliseProfile({ ...valid, displayName: '  Ada ', targetRoles: [' SRE ', '  '] });
    expect(out.displayName).toBe('Ada');
    expect(out.targetRoles).toEqual(['SRE']);
  });
});

describe('availability and preferences', () => {
  it('round-trips the stored ranges', () => {
    const ranges = parseAvailability(valid.availability);
    expect(ranges).toEqual([
      { day: 'mon', from: '09:00', to: '12:00' },
      { day: 'sun', from: '18:30', to: '24:00' },
    ]);
    expect(formatAvailability(ranges)).toBe(valid.availability);
    expect(parseAvailability('someday')).toEqual([]);
  });

  it('refuses a range that ends before it starts, too many ranges, and out-of-range preferences', () => {
    expect(validateProfile({ ...valid, availability: 'mon 12:00-09:00' }).availability).toMatch(/end after/);
    const many = Array.from({ length: PROFILE_LIMITS.availabilityRangesMax + 1 }, () => 'mon 09:00-10:00').join(';');
    expect(validateProfile({ ...valid, availability: many }).availability).toBeTruthy();
    expect(validateProfile({ ...valid, maxSessionsPerDay: 0 }).maxSessionsPerDay).toMatch(/sessions a day/);
    expect(validateProfile({ ...valid, maxSessionsPerDay: PROFILE_LIMITS.maxSessionsPerDayMax + 1 }).maxSessionsPerDay).toBeTruthy();
  });
});
