import { PROFILE_LIMITS as L } from '../types/models';

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

/** Problems with a whole list of tags (as saved), or undefined. */
export function tagListProblem(tags: readonly string[], rules: TagRules): string | undefined {
  if (tags.length > rules.max) return `You can add up to ${rules.max} ${plural(rules.noun)}.`;
  if (tags.some((t) => !t.trim() || t.trim().length > rules.maxLength))
    return `Each ${rules.noun} must be between 1 and ${rules.maxLength} characters.`;
  const lower = tags.map((t) => t.trim().toLowerCase());
  if (new Set(lower).size !== lower.length) return `${capitalise(plural(rules.noun))} must all be different.`;
  return undefined;
}
