/**
 * Reading the matching documents defensively, the form's defaults and its validation.
 * Pure: nothing here talks to Firestore.
 */
import type { DocumentData } from 'firebase/firestore';
import {
  MATCHING_LIMITS as L,
  QUEUE_JOINS_PER_HOUR,
  SESSION_TYPE_LABELS,
  TIME_ZONE_PATTERN,
  isDifficulty,
  isExperienceLevel,
  isIndustry,
  isRolePreference,
  isSessionType,
  isSpokenLanguage,
  type CommunityProfile,
  type MatchingPreferences,
  type MatchingQueueEntry,
  type SessionType,
} from '../../types/models';
import { isRecord, isTimestamp, stringArray, stringOr } from '../../lib/firestoreValues';
import { TARGET_ROLE_RULES, tagProblem } from '../../lib/tags';
import { browserTimeZone, isValidTimeZone } from '../../lib/timeZone';

// ---------------------------------------------------------------------------
// Small readers
// ---------------------------------------------------------------------------

/** Distinct known values, in their original order, at most `max`. */
function enumList<T extends string>(value: unknown, guard: (v: unknown) => v is T, max: number): T[] {
  return [...new Set(stringArray(value).filter(guard))].slice(0, max);
}

/** Trimmed, 1–40 characters, distinct (ignoring case), at most 10. */
function cleanTargetRoles(value: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of stringArray(value)) {
    const role = raw.trim();
    const key = role.toLowerCase();
    if (role.length < L.targetRoleMin || role.length > L.targetRoleMax || seen.has(key)) continue;
    seen.add(key);
    out.push(role);
    if (out.length >= L.targetRolesMax) break;
  }
  return out;
}

export function isMatchingTimeZone(timeZone: string): boolean {
  return (
    timeZone.length >= L.timeZoneMin &&
    timeZone.length <= L.timeZoneMax &&
    TIME_ZONE_PATTERN.test(timeZone) &&
    isValidTimeZone(timeZone)
  );
}

function isMaxWait(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= L.maxWaitMin && value <= L.maxWaitMax;
}

// ---------------------------------------------------------------------------
// Preferences: defaults and reading stored ones
// ---------------------------------------------------------------------------

export const DEFAULT_MAX_WAIT_S = 300;

/** A first visit's form: sensible choices plus what the community profile already says. */
export function defaultPreferences(profile: CommunityProfile | null): MatchingPreferences {
  const languages = enumList(profile?.languages, isSpokenLanguage, L.languagesMax);
  const zone = profile?.timeZone && isMatchingTimeZone(profile.timeZone) ? profile.timeZone : browserTimeZone();
  return {
    sessionTypes: ['technical'],
    difficultyLevels: ['intermediate'],
    rolePreference: 'flexible',
    languages: languages.length > 0 ? languages : ['english'],
    industries: enumList(profile?.industries, isIndustry, L.industriesMax),
    targetRoles: cleanTargetRoles(profile?.targetRoles),
    timeZone: isMatchingTimeZone(zone) ? zone : 'UTC',
    experienceLevel: profile && isExperienceLevel(profile.experienceLevel) ? profile.experienceLevel : 'mid',
    maxWaitTime: DEFAULT_MAX_WAIT_S,
  };
}

/**
 * Preferences stored somewhere (users/{uid}.lastPreferences, a queue entry), field by field;
 * a missing or invalid field takes the fallback's value.
 */
export function preferencesFrom(stored: unknown, fallback: MatchingPreferences): MatchingPreferences {
  if (!isRecord(stored)) return fallback;
  const sessionTypes = enumList(stored.sessionTypes, isSessionType, L.sessionTypesMax);
  const difficultyLevels = enumList(stored.difficultyLevels, isDifficulty, L.difficultyLevelsMax);
  const languages = enumList(stored.languages, isSpokenLanguage, L.languagesMax);
  const timeZone = typeof stored.timeZone === 'string' && isMatchingTimeZone(stored.timeZone) ? stored.timeZone : null;
  return {
    sessionTypes: sessionTypes.length > 0 ? sessionTypes : fallback.sessionTypes,
    difficultyLevels: difficultyLevels.length > 0 ? difficultyLevels : fallback.difficultyLevels,
    rolePreference: isRolePreference(stored.rolePreference) ? stored.rolePreference : fallback.rolePreference,
    languages: languages.length > 0 ? languages : fallback.languages,
    industries: Array.isArray(stored.industries)
      ? enumList(stored.industries, isIndustry, L.industriesMax)
      : fallback.industries,
    targetRoles: Array.isArray(stored.targetRoles) ? cleanTargetRoles(stored.targetRoles) : fallback.targetRoles,
    timeZone: timeZone ?? fallback.timeZone,
    experienceLevel: isExperienceLevel(stored.experienceLevel) ? stored.experienceLevel : fallback.experienceLevel,
    maxWaitTime: isMaxWait(stored.maxWaitTime) ? stored.maxWaitTime : fallback.maxWaitTime,
  };
}

// ---------------------------------------------------------------------------
// Validation (mirrors the rules, in plain words)
// ---------------------------------------------------------------------------

export type PreferenceErrors = Partial<Record<keyof MatchingPreferences, string>>;

export function validatePreferences(p: MatchingPreferences): PreferenceErrors {
  const errors: PreferenceErrors = {};
  const distinct = (list: readonly string[]) => new Set(list).size === list.length;

  if (p.sessionTypes.length < L.sessionTypesMin) errors.sessionTypes = 'Pick at least one session type.';
  else if (p.sessionTypes.length > L.sessionTypesMax || !distinct(p.sessionTypes) || !p.sessionTypes.every(isSessionType))
    errors.sessionTypes = 'Pick session types from the list.';

  if (p.difficultyLevels.length < L.difficultyLevelsMin) errors.difficultyLevels = 'Pick at least one difficulty level.';
  else if (p.difficultyLevels.length > L.difficultyLevelsMax || !distinct(p.difficultyLevels) || !p.difficultyLevels.every(isDifficulty))
    errors.difficultyLevels = 'Pick difficulty levels from the list.';

  if (!isRolePreference(p.rolePreference)) errors.rolePreference = 'Choose which role you’d like to start in.';

  if (p.languages.length < L.languagesMin) errors.languages = 'Pick at least one language you can interview in.';
  else if (p.languages.length > L.languagesMax) errors.languages = `Pick up to ${L.languagesMax} languages.`;
  else if (!distinct(p.languages) || !p.languages.every(isSpokenLanguage)) errors.languages = 'Pick languages from the list.';

  if (p.industries.length > L.industriesMax) errors.industries = `Pick up to ${L.industriesMax} industries.`;
  else if (!distinct(p.industries) || !p.industries.every(isIndustry)) errors.industries = 'Pick industries from the list.';

  if (p.targetRoles.length > L.targetRolesMax) errors.targetRoles = `You can add up to ${L.targetRolesMax} target roles.`;
  else if (p.targetRoles.some((r) => r.trim().length < L.targetRoleMin || r.trim().length > L.targetRoleMax))
    errors.targetRoles = `Each target role must be between ${L.targetRoleMin} and ${L.targetRoleMax} characters.`;
  else if (!distinct(p.targetRoles.map((r) => r.trim().toLowerCase()))) errors.targetRoles = 'Target roles must all be different.';

  if (!isMatchingTimeZone(p.timeZone)) errors.timeZone = 'Choose your time zone from the list.';
  if (!isExperienceLevel(p.experienceLevel)) errors.experienceLevel = 'Choose your experience level.';
  if (!isMaxWait(p.maxWaitTime))
    errors.maxWaitTime = `Choose how long to wait: between ${L.maxWaitMin} seconds and ${L.maxWaitMax / 60} minutes.`;

  return errors;
}

/** Adds a typed-but-not-added target role, or says why it can't be added. */
export function withPendingRole(p: MatchingPreferences, pending: string): { prefs: MatchingPreferences; problem: string | null } {
  const text = pending.trim();
  if (!text) return { prefs: p, problem: null };
  const problem = tagProblem(text, p.targetRoles, TARGET_ROLE_RULES);
  if (problem) return { prefs: p, problem };
  return { prefs: { ...p, targetRoles: [...p.targetRoles, text] }, problem: null };
}

/** Exactly the preference fields, trimmed: what goes into the queue entry. */
export function normalisePreferences(p: MatchingPreferences): MatchingPreferences {
  return {
    sessionTypes: [...p.sessionTypes],
    difficultyLevels: [...p.difficultyLevels],
    rolePreference: p.rolePreference,
    languages: [...p.languages],
    industries: [...p.industries],
    targetRoles: p.targetRoles.map((r) => r.trim()).filter(Boolean),
    timeZone: p.timeZone,
    experienceLevel: p.experienceLevel,
    maxWaitTime: Math.round(p.maxWaitTime),
  };
}

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

/** matchingQueue/{uid}, or null when it is missing or not in a state this client knows. */
export function toQueueEntry(uid: string, data: DocumentData | undefined): MatchingQueueEntry | null {
  if (!data) return null;
  const status: unknown = data.status;
  if (status !== 'waiting' && status !== 'matched' && status !== 'refused') return null;
  const prefs = preferencesFrom(data, defaultPreferences(null));
  const entry: MatchingQueueEntry = {
    ...prefs,
    uid: stringOr(data.uid, uid),
    status,
    joinedAt: isTimestamp(data.joinedAt) ? data.joinedAt : null,
  };
  if (typeof data.sessionId === 'string' && data.sessionId) entry.sessionId = data.sessionId;
  if (typeof data.matchedWith === 'string' && data.matchedWith) entry.matchedWith = data.matchedWith;
  if (isTimestamp(data.matchedAt)) entry.matchedAt = data.matchedAt;
  if (Array.isArray(data.lastMatchedWith)) entry.lastMatchedWith = stringArray(data.lastMatchedWith);
  if (isTimestamp(data.retryAt)) entry.retryAt = data.retryAt;
  if (typeof data.requeuedFrom === 'string' && data.requeuedFrom) entry.requeuedFrom = data.requeuedFrom;
  return entry;
}

// ---------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------

/** "technical", "technical or behavioral", "behavioral, technical or case study". */
export function sessionTypesPhrase(types: readonly SessionType[]): string {
  const words = types.map((t) => SESSION_TYPE_LABELS[t].toLowerCase());
  if (words.length <= 1) return words[0] ?? 'practice';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

export function withArticle(phrase: string): string {
  return /^[aeiou]/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

/**
 * The plain sentence for a join the server refused over the hourly budget; `retryAt` is when the next
 * join fits (null if unknown).
 */
export function joinBudgetMessage(retryAt: Date | null, budget: number = QUEUE_JOINS_PER_HOUR): string {
  const first = `You’ve joined the queue ${budget} times in the last hour, which is the most we allow, so we didn’t add you this time.`;
  if (!retryAt) return `${first} Please try again a little later.`;
  const time = retryAt.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return `${first} You can look for a partner again at ${time}.`;
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (rest) return `${minutes} min ${rest} s`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** "mm:ss", e.g. "00:07", "12:30". */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
