import { describe, expect, it } from 'vitest';
import { completeness } from '../../src/features/profile/profileCompleteness';
import { toCommunityProfile } from '../../src/features/profile/communityProfile';

describe('profile completeness', () => {
  it('counts what a new profile lacks and reaches 100% when everything is there', () => {
    const fresh = toCommunityProfile('u1', { displayName: 'Ada', languages: ['english'] });
    const start = completeness(fresh);
    expect(start.percent).toBe(0);
    expect(start.missing).toContain('a headline');
    const full = toCommunityProfile('u1', {
      displayName: 'Ada',
      languages: ['english'],
      headline: 'Backend engineer',
      bio: 'Preparing for senior backend interviews.',
      specialties: ['Graphs'],
      industries: ['tech'],
      targetRoles: ['Staff engineer'],
      availability: 'mon 09:00-12:00',
      listed: true,
    });
    expect(completeness(full)).toEqual({ percent: 100, missing: [] });
  });
});
