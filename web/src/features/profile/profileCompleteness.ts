/** How complete a profile is, and what to add next: the hint on the profile page and the onboarding card. */
import type { CommunityProfile } from '../../types/models';

const CHECKS: readonly { label: string; done: (p: CommunityProfile) => boolean }[] = [
  { label: 'a headline', done: (p) => p.headline.trim().length > 0 },
  { label: 'a short bio', done: (p) => p.bio.trim().length >= 20 },
  { label: 'your specialties', done: (p) => p.specialties.length > 0 },
  { label: 'your industries', done: (p) => p.industries.length > 0 },
  { label: 'the roles you target', done: (p) => p.targetRoles.length > 0 },
  { label: 'when you are available', done: (p) => p.availability.length > 0 },
  { label: 'a listing in the directory', done: (p) => p.listed },
];

export function completeness(p: CommunityProfile): { percent: number; missing: string[] } {
  const missing = CHECKS.filter((c) => !c.done(p)).map((c) => c.label);
  return { percent: Math.round(((CHECKS.length - missing.length) / CHECKS.length) * 100), missing };
}
