import { Timestamp } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { toFeedback } from '../../src/lib/data/feedback';
import { toPeerSession } from '../../src/lib/data/peerSessionDoc';
import { feedbackWindow, interviewOver, partnerOf, rubricFor } from '../../src/lib/sessionRules';
import { EMPTY_DRAFT, buildFeedback, type FeedbackDraft, errorSummary, hasErrors, validateFeedback } from '../../src/features/room/feedback';
import { FEEDBACK_PHASE_INDEX, RUBRIC_BY_SESSION_TYPE, type FeedbackTag } from '../../src/types/models';

const NOW = 1_700_000_000_000;

function session(extra: Record<string, unknown> = {}) {
  return toPeerSession('s1', {
    participantIds: ['a', 'b'],
    participants: [
      { userId: 'a', displayName: 'Ada', role: 'interviewer' },
      { userId: 'b', displayName: '  ', role: 'interviewee' },
    ],
    status: 'active',
    sessionType: 'technical',
    ...extra,
  });
}

describe('the feedback window', () => {
  it('is not open during the interview, open after it, and closed after the deadline', () => {
    expect(feedbackWindow(session({ phaseIndex: 1 }), 'a', NOW)).toBe('not-yet');
    const over = session({ phaseIndex: FEEDBACK_PHASE_INDEX, feedbackDeadline: Timestamp.fromMillis(NOW + 1000) });
    expect(interviewOver(over)).toBe(true);
    expect(feedbackWindow(over, 'a', NOW)).toBe('open');
    expect(feedbackWindow(over, 'a', NOW + 2000)).toBe('closed');
    expect(feedbackWindow(session({ status: 'completed', feedbackSubmitted: ['a'] }), 'a', NOW)).toBe('sent');
    expect(feedbackWindow(session({ status: 'cancelled' }), 'a', NOW)).toBe('none');
  });

  it('names the partner, or says "your partner"', () => {
    expect(partnerOf(session(), 'b')).toEqual({ uid: 'a', name: 'Ada' });
    expect(partnerOf(session(), 'a').uid).toBe('b');
  });
});

describe('the feedback form', () => {
  const items = rubricFor({ sessionType: 'technical' });

  it('asks for every rating before sending', () => {
    const errors = validateFeedback(EMPTY_DRAFT, items);
    expect(hasErrors(errors)).toBe(true);
    expect(errorSummary(errors, items)).toMatch(/overall rating.*every item/);
    const full = { ...EMPTY_DRAFT, overall: 4, rubric: Object.fromEntries(items.map((i) => [i.key, 3])) };
    expect(hasErrors(validateFeedback(full, items))).toBe(false);
  });

  it('writes exactly the fields the rules accept, and reads them back', () => {
    const draft: FeedbackDraft = {
      ...EMPTY_DRAFT,
      overall: 5,
      rubric: Object.fromEntries(items.map((i) => [i.key, 4])),
      tags: ['clear_communicator', 'nonsense' as FeedbackTag],
    };
    const write = buildFeedback(draft, items, 'a', 'b');
    expect(Object.keys(write).sort()).toEqual(['createdAt', 'from', 'overall', 'rubric', 'tags', 'text', 'to', 'wouldPracticeAgain']);
    expect(write.tags).not.toContain('nonsense');
    const read = toFeedback({ ...write, createdAt: Timestamp.fromMillis(NOW) });
    expect(read?.overall).toBe(5);
    expect(Object.keys(read?.rubric ?? {}).sort()).toEqual(RUBRIC_BY_SESSION_TYPE.technical.map((i) => i.key).sort());
    expect(toFeedback({ from: 'a', overall: 9 })).toBeNull();
  });
});

describe('the session reader', () => {
  it('falls back on unknown values and keeps absent interview fields absent', () => {
    const s = session({ status: 'teleported', difficulty: 'impossible', participants: [{ userId: 3 }] });
    expect(s.status).toBe('completed');
    expect(s.difficulty).toBe('intermediate');
    expect(s.participants).toEqual([]);
    expect('phaseIndex' in s).toBe(false);
    expect(toPeerSession('x', {}).status).toBe('matched');
  });
});
