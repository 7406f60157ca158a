/**
 * The feedback form's values, validation and the document it writes (written and read through
 * lib/data/feedback.ts), and the draft kept in this tab.
 */
import { FirebaseError } from 'firebase/app';
import { serverTimestamp } from 'firebase/firestore';
import type { FeedbackWrite } from '../../lib/data/feedback';
import { isRating } from '../../lib/sessionRules';
import {
  FEEDBACK_LIMITS as L,
  RUBRIC_LABELS,
  isFeedbackTag,
  type FeedbackTag,
  type RubricItem,
  type RubricKey,
  type SessionFeedback,
} from '../../types/models';
import { listPhrase } from '../../lib/text';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';

// ---------------------------------------------------------------------------
// The form's values, validation and the document written
// ---------------------------------------------------------------------------

export interface FeedbackDraft {
  overall: number | null;
  rubric: Partial<Record<RubricKey, number>>;
  tags: FeedbackTag[];
  text: string;
  wouldPracticeAgain: boolean;
}

export const EMPTY_DRAFT: FeedbackDraft = { overall: null, rubric: {}, tags: [], text: '', wouldPracticeAgain: true };

export interface FeedbackErrors {
  overall?: string;
  rubric?: Partial<Record<RubricKey, string>>;
  tags?: string;
  text?: string;
}

export function validateFeedback(draft: FeedbackDraft, items: readonly RubricItem[]): FeedbackErrors {
  const errors: FeedbackErrors = {};
  if (!isRating(draft.overall)) errors.overall = 'Choose an overall rating from 1 to 5 stars.';
  const rubric: Partial<Record<RubricKey, string>> = {};
  for (const item of items) {
    if (!isRating(draft.rubric[item.key])) rubric[item.key] = `Rate ${item.label.toLowerCase()} from 1 to 5.`;
  }
  if (Object.keys(rubric).length > 0) errors.rubric = rubric;
  if (draft.tags.length > L.tagsMax) errors.tags = `Pick up to ${L.tagsMax} tags.`;
  if (draft.text.length > L.textMax) errors.text = `Keep it to ${L.textMax} characters (it’s ${draft.text.length} now).`;
  return errors;
}

export function hasErrors(errors: FeedbackErrors): boolean {
  return Boolean(errors.overall || errors.tags || errors.text || (errors.rubric && Object.keys(errors.rubric).length > 0));
}

/** One sentence saying everything that is missing, for the summary above the button. */
export function errorSummary(errors: FeedbackErrors, items: readonly RubricItem[]): string {
  const parts: string[] = [];
  if (errors.overall) parts.push('Choose an overall rating.');
  const missing = items.filter((i) => errors.rubric?.[i.key]).map((i) => i.label.toLowerCase());
  if (missing.length === items.length && items.length > 1) parts.push('Rate every item of the rubric.');
  else if (missing.length > 0) parts.push(`Rate ${listPhrase(missing, 'and')}.`);
  if (errors.tags) parts.push(errors.tags);
  if (errors.text) parts.push(errors.text);
  return parts.join(' ');
}

export function buildFeedback(draft: FeedbackDraft, items: readonly RubricItem[], from: string, to: string): FeedbackWrite {
  const rubric: Partial<Record<RubricKey, number>> = {};
  for (const item of items) rubric[item.key] = Math.round(draft.rubric[item.key] ?? 0);
  return {
    from,
    to,
    overall: Math.round(draft.overall ?? 0),
    rubric,
    tags: [...new Set(draft.tags)].filter(isFeedbackTag).slice(0, L.tagsMax),
    text: draft.text.slice(0, L.textMax),
    wouldPracticeAgain: draft.wouldPracticeAgain,
    createdAt: serverTimestamp(),
  };
}

/** The document as written a moment ago, for the thank-you summary. */
export function feedbackFromWrite(write: FeedbackWrite): SessionFeedback {
  const { from, to, overall, rubric, tags, text, wouldPracticeAgain } = write;
  return { from, to, overall, rubric, tags, text, wouldPracticeAgain, createdAt: null };
}

export const WINDOW_CLOSED_MESSAGE =
  'This feedback can’t be sent: the 48-hour feedback window has closed, or feedback for this session was already sent.';

export function feedbackErrorMessage(error: unknown): string {
  if (error instanceof FirebaseError && error.code === 'permission-denied') return WINDOW_CLOSED_MESSAGE;
  return firestoreErrorMessage(error);
}

// ---------------------------------------------------------------------------
// A draft survives a reload or the room closing (sessionStorage, this tab only)
// ---------------------------------------------------------------------------

function draftKey(sessionId: string, uid: string): string {
  return `salamin.feedback.${sessionId}.${uid}`;
}

export function loadDraft(sessionId: string, uid: string): FeedbackDraft {
  try {
    const raw = sessionStorage.getItem(draftKey(sessionId, uid));
    if (!raw) return EMPTY_DRAFT;
    const v = JSON.parse(raw) as Record<string, unknown>;
    const rubric: Partial<Record<RubricKey, number>> = {};
    if (typeof v.rubric === 'object' && v.rubric !== null) {
      for (const [key, value] of Object.entries(v.rubric as Record<string, unknown>))
        if (key in RUBRIC_LABELS && isRating(value)) rubric[key as RubricKey] = value;
    }
    return {
      overall: isRating(v.overall) ? v.overall : null,
      rubric,
      tags: Array.isArray(v.tags) ? [...new Set(v.tags.filter(isFeedbackTag))].slice(0, L.tagsMax) : [],
      text: typeof v.text === 'string' ? v.text.slice(0, L.textMax) : '',
      wouldPracticeAgain: v.wouldPracticeAgain !== false,
    };
  } catch {
    return EMPTY_DRAFT;
  }
}

export function saveDraft(sessionId: string, uid: string, draft: FeedbackDraft): void {
  try {
    sessionStorage.setItem(draftKey(sessionId, uid), JSON.stringify(draft));
  } catch {
    // Private mode or full storage: the draft just isn't kept.
  }
}

export function clearDraft(sessionId: string, uid: string): void {
  try {
    sessionStorage.removeItem(draftKey(sessionId, uid));
  } catch {
    // Nothing to do.
  }
}
