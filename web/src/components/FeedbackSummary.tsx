import { Star, ThumbsDown, ThumbsUp } from 'lucide-react';
import {
  FEEDBACK_LIMITS as L,
  FEEDBACK_TAG_LABELS,
  RATING_WORDS,
  RUBRIC_LABELS,
  type RubricItem,
  type RubricKey,
  type SessionFeedback,
} from '../types/models';

/** Five stars, the first `value` filled, read out as "4 out of 5". */
function StarsShown({ value, size = 16 }: { value: number; size?: number }) {
  const rounded = Math.round(value);
  return (
    <span className="stars-shown" role="img" aria-label={`${value} out of ${L.ratingMax}`}>
      {Array.from({ length: L.ratingMax }, (_, i) => (
        <Star key={i} size={size} aria-hidden="true" className={i < rounded ? 'star-on' : 'star-off'} strokeWidth={1.75} />
      ))}
    </span>
  );
}

interface FeedbackSummaryProps {
  feedback: SessionFeedback;
  /** The session type's rubric, for the order and the labels; keys outside it are shown after. */
  items: readonly RubricItem[];
  /** 'given': what you said about your partner; 'received': what your partner said about you. */
  perspective: 'given' | 'received';
  partnerName: string;
}

/** What one participant said about the other: overall, rubric, tags, words and "again?". */
function againSentence(again: boolean, perspective: 'given' | 'received', partnerName: string): string {
  if (perspective === 'given') return again ? 'You’d practise with them again.' : 'You’d rather not practise with them again.';
  const who = partnerName.charAt(0).toUpperCase() + partnerName.slice(1);
  return again ? `${who} would practise with you again.` : `${who} would rather not practise with you again.`;
}

export function FeedbackSummary({ feedback, items, perspective, partnerName }: FeedbackSummaryProps) {
  const known = new Set<RubricKey>(items.map((i) => i.key));
  const extra = (Object.keys(feedback.rubric) as RubricKey[]).filter((k) => !known.has(k));
  const rows = [...items.map((i) => ({ key: i.key, label: i.label })), ...extra.map((k) => ({ key: k, label: RUBRIC_LABELS[k] }))].filter(
    (r) => feedback.rubric[r.key] !== undefined,
  );

  return (
    <div className="feedback-summary" data-testid="feedback-summary">
      <p className="feedback-overall">
        <StarsShown value={feedback.overall} size={20} />
        <strong data-testid="feedback-summary-overall">
          {feedback.overall} / {L.ratingMax}
        </strong>
        <span className="muted">{RATING_WORDS[feedback.overall]}</span>
      </p>

      {rows.length > 0 && (
        <dl className="rubric-scores" aria-label="Rubric">
          {rows.map((row) => {
            const score = feedback.rubric[row.key] ?? 0;
            return (
              <div key={row.key} className="rubric-score" data-rubric={row.key}>
                <dt>{row.label}</dt>
                <dd>
                  <span className="score-bar" aria-hidden="true">
                    <span style={{ width: `${(score / L.ratingMax) * 100}%` }} />
                  </span>
                  <span className="score-value">
                    {score} / {L.ratingMax}
                  </span>
                </dd>
              </div>
            );
          })}
        </dl>
      )}

      {feedback.tags.length > 0 && (
        <ul className="tags" role="list" aria-label="Tags">
          {feedback.tags.map((tag) => (
            <li key={tag} className="tag tag-static">
              {FEEDBACK_TAG_LABELS[tag]}
            </li>
          ))}
        </ul>
      )}

      {feedback.text.trim() && <blockquote className="feedback-text">{feedback.text}</blockquote>}

      <p className="feedback-again">
        {feedback.wouldPracticeAgain ? <ThumbsUp size={16} aria-hidden="true" /> : <ThumbsDown size={16} aria-hidden="true" />}
        <span data-testid="feedback-summary-again" data-again={feedback.wouldPracticeAgain ? 'yes' : 'no'}>
          {againSentence(feedback.wouldPracticeAgain, perspective, partnerName)}
        </span>
      </p>
    </div>
  );
}
