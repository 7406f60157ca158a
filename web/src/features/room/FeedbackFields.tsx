import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { FirebaseError } from 'firebase/app';
import { AlertCircle, Send } from 'lucide-react';
import { readFeedback, writeFeedback } from '../../lib/data/feedback';
import { feedbackRubric, partnerRolesPlayed } from '../../lib/sessionRules';
import {
  FEEDBACK_LIMITS as L,
  FEEDBACK_TAGS,
  type FeedbackTag,
  type PeerSession,
  type RubricKey,
  type SessionFeedback,
} from '../../types/models';
import {
  WINDOW_CLOSED_MESSAGE,
  buildFeedback,
  clearDraft,
  errorSummary,
  feedbackErrorMessage,
  feedbackFromWrite,
  hasErrors,
  loadDraft,
  saveDraft,
  validateFeedback,
  type FeedbackDraft,
  type FeedbackErrors,
} from './feedback';
import { RatingGroup } from './RatingGroup';

/** The overall question, about the roles the partner played. */
function overallQuestion(name: string, roles: readonly string[]): string {
  if (roles.length === 0) return `How was ${name} to practise with?`;
  if (roles.length === 1) return `How did ${name} do as the ${roles[0]}?`;
  return `How did ${name} do as an interviewee and as an interviewer?`;
}

function formatDeadline(ms: number): string {
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(ms);
}

const FIELD_ORDER_SELECTORS = (rubricKeys: readonly RubricKey[]): string[] => [
  '[data-field="overall"] [tabindex="0"]',
  ...rubricKeys.map((k) => `[data-field="rubric-${k}"] [tabindex="0"]`),
  '[data-field="tags"] input',
  '[data-field="text"] textarea',
];

interface FeedbackFieldsProps {
  session: PeerSession;
  uid: string;
  partnerUid: string;
  partnerName: string;
  compact: boolean;
  Heading: 'h2' | 'h3';
  autoFocus: boolean;
  onAnnounce: (message: string) => void;
  onSent: (feedback: SessionFeedback) => void;
  onAlreadySent: (feedback: SessionFeedback | null) => void;
}

/** The form itself: ratings, tags, words, "again?", validation and sending (drafts kept in this tab). */
export function FeedbackFields({
  session,
  uid,
  partnerUid,
  partnerName,
  compact,
  Heading,
  autoFocus,
  onAnnounce,
  onSent,
  onAlreadySent,
}: FeedbackFieldsProps) {
  // After an early end, only the role(s) the partner actually played are asked about (the rules agree).
  const items = feedbackRubric(session, uid);
  const roles = partnerRolesPlayed(session, uid);
  const [draft, setDraft] = useState<FeedbackDraft>(() => loadDraft(session.id, uid));
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const ids = useId();
  const errors: FeedbackErrors = useMemo(() => (attempted ? validateFeedback(draft, items) : {}), [attempted, draft, items]);
  const summary = attempted && hasErrors(errors) ? errorSummary(errors, items) : null;
  const Name = partnerName.charAt(0).toUpperCase() + partnerName.slice(1);

  useEffect(() => {
    if (!autoFocus) return;
    formRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    headingRef.current?.focus({ preventScroll: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- Only when the form appears.
  }, []);

  function update(next: Partial<FeedbackDraft>) {
    setDraft((prev) => {
      const merged = { ...prev, ...next };
      saveDraft(session.id, uid, merged);
      return merged;
    });
    setSubmitError(null);
  }

  function setRubric(key: RubricKey, value: number) {
    setDraft((prev) => {
      const merged = { ...prev, rubric: { ...prev.rubric, [key]: value } };
      saveDraft(session.id, uid, merged);
      return merged;
    });
    setSubmitError(null);
  }

  function toggleTag(tag: FeedbackTag) {
    const on = draft.tags.includes(tag);
    if (!on && draft.tags.length >= L.tagsMax) return;
    update({ tags: on ? draft.tags.filter((t) => t !== tag) : [...draft.tags, tag] });
  }

  function focusFirstInvalid(found: FeedbackErrors) {
    const keys = items.map((i) => i.key);
    const invalid = [
      Boolean(found.overall),
      ...keys.map((k) => Boolean(found.rubric?.[k])),
      Boolean(found.tags),
      Boolean(found.text),
    ];
    const selectors = FIELD_ORDER_SELECTORS(keys);
    const index = invalid.indexOf(true);
    const selector = index >= 0 ? selectors[index] : undefined;
    if (selector) formRef.current?.querySelector<HTMLElement>(selector)?.focus();
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setAttempted(true);
    const found = validateFeedback(draft, items);
    if (hasErrors(found)) {
      focusFirstInvalid(found);
      return;
    }
    setSubmitting(true);
    setSubmitError(null);
    onAnnounce('Sending your feedback…');
    const write = buildFeedback(draft, items, uid, partnerUid);
    try {
      await writeFeedback(session.id, uid, write);
      clearDraft(session.id, uid);
      onAnnounce('Thank you. Your feedback is sent.');
      onSent(feedbackFromWrite(write));
    } catch (err) {
      if (err instanceof FirebaseError && err.code === 'permission-denied') {
        // Sent already (another tab, a retried request)? Then show it; else the window has closed.
        const existing = await readFeedback(session.id, uid).catch(() => null);
        if (existing?.exists) {
          clearDraft(session.id, uid);
          onAnnounce('You’ve already sent your feedback.');
          onAlreadySent(existing.feedback);
          return;
        }
        setSubmitError(WINDOW_CLOSED_MESSAGE);
      } else {
        setSubmitError(feedbackErrorMessage(err));
      }
      onAnnounce('');
      setSubmitting(false);
    }
  }

  const remaining = L.textMax - draft.text.length;
  const nearLimit =
    remaining <= 0
      ? `You’ve reached the ${L.textMax}-character limit.`
      : remaining <= 100
        ? 'Fewer than 100 characters left.'
        : remaining <= 300
          ? 'Fewer than 300 characters left.'
          : '';
  const deadline = session.feedbackDeadline?.toMillis?.() ?? null;
  const headingId = `${ids}-heading`;
  const tagsAtMax = draft.tags.length >= L.tagsMax;

  return (
    <form
      ref={formRef}
      className={`feedback-form form${compact ? '' : ' card'}`}
      onSubmit={(e) => void handleSubmit(e)}
      noValidate
      aria-labelledby={headingId}
      aria-busy={submitting || undefined}
      data-testid="feedback-form"
    >
      <div>
        <Heading id={headingId} ref={headingRef} tabIndex={-1} className="feedback-heading">
          Feedback for {partnerName}
        </Heading>
        <p className="hint">
          {Name} sees it once you’ve both sent yours, or 48 hours after the session. You can send it once.
          {deadline ? ` Send it by ${formatDeadline(deadline)}.` : ''}
        </p>
      </div>

      <fieldset className="feedback-fields" disabled={submitting}>
        {roles.length < 2 && (
          <p className="notice small" data-testid="feedback-early-end" data-roles={roles.join(' ')}>
            The session ended {roles.length === 0 ? 'before the interview began' : 'before the second half'}, so you rate only
            what happened{roles.length === 1 ? `: ${partnerName} as the ${roles[0]}` : ''}.
          </p>
        )}
        <RatingGroup
          field="overall"
          label="Overall"
          description={overallQuestion(partnerName, roles)}
          variant="stars"
          value={draft.overall}
          onChange={(overall) => update({ overall })}
          testIdPrefix="feedback-overall"
          error={errors.overall}
          disabled={submitting}
        />

        {items.length > 0 && <fieldset className="field rubric-fieldset">
          <legend>When {partnerName} answered</legend>
          <p className="hint">1 means “needs a lot of work”, 5 means “excellent”.</p>
          {items.map((item) => (
            <RatingGroup
              key={item.key}
              field={`rubric-${item.key}`}
              label={item.label}
              description={item.description}
              variant="scale"
              value={draft.rubric[item.key] ?? null}
              onChange={(v) => setRubric(item.key, v)}
              testIdPrefix={`feedback-rubric-${item.key}`}
              error={errors.rubric?.[item.key]}
              disabled={submitting}
            />
          ))}
        </fieldset>}

        <fieldset className="field chips-field" data-field="tags" aria-describedby={`${ids}-tags-hint`}>
          <legend>What stood out? (optional)</legend>
          <p className="hint" id={`${ids}-tags-hint`} aria-live="polite">
            Pick up to {L.tagsMax}. {draft.tags.length > 0 ? `${draft.tags.length} chosen.` : ''}
          </p>
          <div className="chips">
            {FEEDBACK_TAGS.map((tag) => {
              const checked = draft.tags.includes(tag.value);
              const off = !checked && tagsAtMax;
              return (
                <label
                  key={tag.value}
                  className={`chip${checked ? ' chip-on' : ''}${off ? ' chip-disabled' : ''}`}
                  data-testid={`feedback-tag-${tag.value}`}
                >
                  <input
                    type="checkbox"
                    name={`${ids}-tags`}
                    value={tag.value}
                    checked={checked}
                    disabled={off}
                    onChange={() => toggleTag(tag.value)}
                  />
                  <span>{tag.label}</span>
                </label>
              );
            })}
          </div>
          {errors.tags && <p className="field-error">{errors.tags}</p>}
        </fieldset>

        <div className="field" data-field="text">
          <label htmlFor={`${ids}-text`}>Anything else? (optional)</label>
          <textarea
            id={`${ids}-text`}
            rows={compact ? 4 : 5}
            maxLength={L.textMax}
            value={draft.text}
            onChange={(e) => update({ text: e.target.value.slice(0, L.textMax) })}
            aria-describedby={`${ids}-text-count ${ids}-text-hint`}
            aria-invalid={errors.text ? true : undefined}
            placeholder="What went well, and one thing to work on next time."
            data-testid="feedback-text"
          />
          <div className="text-meta">
            <p className="hint" id={`${ids}-text-hint`}>
              Be specific and kind: it helps more than a score.
            </p>
            <p className={`hint counter${remaining <= 100 ? ' counter-low' : ''}`} id={`${ids}-text-count`}>
              {draft.text.length} / {L.textMax}
            </p>
          </div>
          <p className="visually-hidden" aria-live="polite">
            {nearLimit}
          </p>
          {errors.text && <p className="field-error">{errors.text}</p>}
        </div>

        <fieldset className="field" data-field="again">
          <legend>Would you practise with them again?</legend>
          <div className="segmented">
            {[
              { value: true, label: 'Yes', testId: 'feedback-again-yes' },
              { value: false, label: 'No', testId: 'feedback-again-no' },
            ].map((option) => {
              const checked = draft.wouldPracticeAgain === option.value;
              return (
                <label key={option.label} className={`segment segment-narrow${checked ? ' segment-on' : ''}`} data-testid={option.testId}>
                  <input
                    type="radio"
                    name={`${ids}-again`}
                    value={option.value ? 'yes' : 'no'}
                    checked={checked}
                    onChange={() => update({ wouldPracticeAgain: option.value })}
                  />
                  <span>{option.label}</span>
                </label>
              );
            })}
          </div>
          <p className="hint">
            Only {partnerName} sees this, with the rest of your feedback. “Yes” also asks to practise with {partnerName}{' '}
            again: if they say yes too, you’re paired directly the next time you both look for a partner.
          </p>
        </fieldset>
      </fieldset>

      {(summary || submitError) && (
        <div className="alert alert-error" role="alert" data-testid="feedback-error">
          <AlertCircle size={16} aria-hidden="true" /> {submitError ?? summary}
        </div>
      )}

      <div className="feedback-actions">
        <button
          type="submit"
          className={`button button-primary${compact ? ' button-block' : ''}`}
          disabled={submitting}
          aria-busy={submitting || undefined}
          data-testid="feedback-submit"
        >
          {submitting ? <span className="spinner spinner-sm" aria-hidden="true" /> : <Send size={16} aria-hidden="true" />}
          {submitting ? 'Sending…' : 'Send feedback'}
        </button>
      </div>
    </form>
  );
}
