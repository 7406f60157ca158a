import {
  PROFILE_LIMITS as L,
  isExperienceLevel,
  isFeedbackStyle,
  type CommunityProfileClientField,
  type CommunityProfileEditable,
} from '../../types/models';
import { SPECIALTY_RULES, TARGET_ROLE_RULES, tagListProblem } from '../../lib/tags';
import { isValidTimeZone } from '../../lib/timeZone';
import { availabilityProblem, parseAvailability } from '../../lib/availability';

export type ProfileErrors = Partial<Record<CommunityProfileClientField, string>>;

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

  const availability = availabilityProblem(parseAvailability(p.availability));
  if (availability) errors.availability = availability;
  else if (p.availability && parseAvailability(p.availability).length === 0) errors.availability = 'Check the time ranges.';
  if (p.preferredSessionTypes.length > L.preferredSessionTypesMax)
    errors.preferredSessionTypes = `Choose up to ${L.preferredSessionTypesMax} session types.`;
  if (!Number.isInteger(p.maxSessionsPerDay) || p.maxSessionsPerDay < L.maxSessionsPerDayMin || p.maxSessionsPerDay > L.maxSessionsPerDayMax)
    errors.maxSessionsPerDay = `Choose ${L.maxSessionsPerDayMin} to ${L.maxSessionsPerDayMax} sessions a day.`;
  if (!isFeedbackStyle(p.feedbackStyle)) errors.feedbackStyle = 'Choose how you like feedback.';

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
    listed: p.listed,
    availability: p.availability,
    openToRandom: p.openToRandom,
    preferredSessionTypes: [...p.preferredSessionTypes],
    maxSessionsPerDay: p.maxSessionsPerDay,
    feedbackStyle: p.feedbackStyle,
    openToMentoring: p.openToMentoring,
    onboarded: p.onboarded,
  };
}
