import {
  PROFILE_LIMITS as L,
  isExperienceLevel,
  type CommunityProfileClientField,
  type CommunityProfileEditable,
} from '../../types/models';

export type ProfileErrors = Partial<Record<CommunityProfileClientField, string>>;

export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export interface TagRules {
  /** What one tag is called in messages, e.g. "target role". */
  noun: string;
  example: string;
  max: number;
  maxLength: number;
}

export const TARGET_ROLE_RULES: TagRules = {
  noun: 'target role',
  example: 'Backend engineer',
  max: L.targetRolesMax,
  maxLength: L.targetRoleMax,
};

export const SPECIALTY_RULES: TagRules = {
  noun: 'specialty',
  example: 'System design',
  max: L.specialtiesMax,
  maxLength: L.specialtyMax,
};

function plural(noun: string): string {
  return noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Problems with one tag about to be added, or null when it can be added. */
export function tagProblem(tag: string, existing: readonly string[], rules: TagRules): string | null {
  const trimmed = tag.trim();
  if (!trimmed) return `Type a ${rules.noun} first, for example “${rules.example}”.`;
  if (trimmed.length > rules.maxLength) return `Each ${rules.noun} must be ${rules.maxLength} characters or fewer.`;
  if (existing.some((r) => r.toLowerCase() === trimmed.toLowerCase())) return `You’ve already added that ${rules.noun}.`;
  if (existing.length >= rules.max) return `You can add up to ${rules.max} ${plural(rules.noun)}.`;
  return null;
}

function tagListProblem(tags: readonly string[], rules: TagRules): string | undefined {
  if (tags.length > rules.max) return `You can add up to ${rules.max} ${plural(rules.noun)}.`;
  if (tags.some((t) => !t.trim() || t.trim().length > rules.maxLength))
    return `Each ${rules.noun} must be between 1 and ${rules.maxLength} characters.`;
  const lower = tags.map((t) => t.trim().toLowerCase());
  if (new Set(lower).size !== lower.length) return `${capitalise(plural(rules.noun))} must all be different.`;
  return undefined;
}

/** Mirrors the limits the server enforces, with messages in plain words. */
export function validateProfile(p: CommunityProfileEditable): ProfileErrors {
  const errors: ProfileErrors = {};
  const name = p.displayName.trim();
  if (name.length < L.displayNameMin) errors.displayName = 'Enter a display name, so partners know what to call you.';
  else if (name.length > L.displayNameMax) errors.displayName = `Your display name must be ${L.displayNameMax} characters or fewer.`;

  if (p.headline.trim().length > L.headlineMax) errors.headline = `Your headline must be ${L.headlineMax} characters or fewer.`;
  if (p.bio.trim().length > L.bioMax) errors.bio = `Your bio must be ${L.bioMax} characters or fewer.`;

  if (!isExperienceLevel(p.experienceLevel)) errors.experienceLevel = 'Choose your experience level.';
  if (!isValidTimeZone(p.timeZone) || p.timeZone.length > L.timeZoneMax)
    errors.timeZone = 'Choose your time zone from the list.';

  if (p.languages.length < L.languagesMin) errors.languages = 'Choose at least one language you can interview in.';
  else if (p.languages.length > L.languagesMax) errors.languages = `Choose up to ${L.languagesMax} languages.`;

  if (p.industries.length > L.industriesMax) errors.industries = `Choose up to ${L.industriesMax} industries.`;

  const roles = tagListProblem(p.targetRoles, TARGET_ROLE_RULES);
  if (roles) errors.targetRoles = roles;
  const specialties = tagListProblem(p.specialties, SPECIALTY_RULES);
  if (specialties) errors.specialties = specialties;

  return errors;
}

/** The trimmed values that are written to Firestore. */
export function normaliseProfile(p: CommunityProfileEditable): CommunityProfileEditable {
  return {
    displayName: p.displayName.trim(),
    headline: p.headline.trim(),
    bio: p.bio.trim(),
    experienceLevel: p.experienceLevel,
    timeZone: p.timeZone,
    languages: [...p.languages],
    industries: [...p.industries],
    targetRoles: p.targetRoles.map((r) => r.trim()).filter(Boolean),
    specialties: p.specialties.map((r) => r.trim()).filter(Boolean),
  };
}
