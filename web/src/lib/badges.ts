/**
 * Badges and reputation, as functions/salamin/stats.py computes them (BADGES, reputation()); the
 * words here are what "How reputation works" shows. tests/unit/test_badges_words.py keeps them in step.
 */
export const BADGES: Readonly<Record<string, { label: string; rule: string }>> = {
  first_session: { label: 'First session', rule: 'Completed a first session.' },
  ten_sessions: { label: '10 sessions', rule: 'Completed 10 sessions.' },
  ten_in_a_row: { label: 'Ten in a row', rule: 'Came to 10 sessions in a row without a no-show.' },
  highly_rated_interviewer: {
    label: 'Highly rated interviewer',
    rule: 'Rated 4.5 or more on average as an interviewer, over at least 5 revealed ratings.',
  },
  helpful_partner: { label: 'Helpful partner', rule: 'Tagged "helpful" by partners in at least 5 revealed reviews.' },
};

export function badgeLabel(id: string): string {
  return BADGES[id]?.label ?? id;
}

export const REPUTATION_RULES: readonly string[] = [
  'Reputation runs from 0 to 100 and counts only feedback that has been revealed: after both partners wrote theirs, or 48 hours after the session.',
  'It starts from your average overall rating. With fewer than 5 ratings the average is pulled toward 3 stars, so one review cannot make or break it.',
  'That average, mapped from 1–5 stars to 0–100, is multiplied by your reliability: (completed sessions + 3) ÷ (completed + no-shows + late cancellations + 3).',
  'Nobody can write reputation, ratings or badges but the server; partners only write feedback.',
];
