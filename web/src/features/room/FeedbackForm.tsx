import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { FirebaseError } from 'firebase/app';
import { AlertCircle, CheckCircle2, Clock, Send } from 'lucide-react';
import { Spinner } from '../../components/Spinner';
import {
  FEEDBACK_LIMITS as L,
  FEEDBACK_TAGS,
  type FeedbackTag,
  type PeerSession,
  type RubricKey,
  type SessionFeedback,
} from '../../types/models';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
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
import { readFeedback, writeFeedback } from '../../lib/data/feedback';
import type { FeedbackFormProps } from '../../lib/slots';
import { feedbackWindow, partnerOf, rubricFor } from '../../lib/sessionRules';
import { FeedbackSummary } from '../../components/FeedbackSummary';
import { RatingGroup } from './RatingGroup';

type Own =
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'sent'; feedback: SessionFeedback | null; justNow: boolean }
  | { kind: 'error'; message: string };


function formatDeadline(ms: number): string {
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }).format(ms);
}

/**
 * Feedback about the partner: shown once the interview phases are over. Reads one's own feedback first
 * (the author can always read it): if it exists, a summary; else the form. Sent once, never edited.
 */
export function FeedbackForm({ session, uid, compact = false, headingLevel = 3, autoFocus = false }: FeedbackFormProps) {
  const partner = partnerOf(session, uid);
  const items = rubricFor(session);
  const windowState = feedbackWindow(session, uid, Date.now());
  const mayHaveFeedback = windowState !== 'none' && windowState !== 'not-yet';
  const [own, setOwn] = useState<Own>({ kind: 'loading' });
  const [reloadKey, setReloadKey] = useState(0);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    if (!mayHaveFeedback) return;
    let active = true;
    setOwn({ kind: 'loading' });
    readFeedback(session.id, uid).then(
      (own) => {
        if (!active) return;
        setOwn(own.exists ? { kind: 'sent', feedback: own.feedback, justNow: false } : { kind: 'none' });
      },
      (err: unknown) => {
        if (!active) return;
        // Rules written against the stored document refuse reading one that doesn't exist yet: that
        // means "not sent". Sending again is refused anyway, and said plainly.
        if (err instanceof FirebaseError && err.code === 'permission-denied') setOwn({ kind: 'none' });
        else setOwn({ kind: 'error', message: firestoreErrorMessage(err) });
      },
    );
    return () => {
      active = false;
    };
  }, [session.id, uid, mayHaveFeedback, reloadKey]);

  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  let body;
  if (windowState === 'none') {
    body = (
      <p className="muted" data-testid="feedback-not-applicable">
        There’s no feedback for a session that didn’t take place.
      </p>
    );
  } else if (windowState === 'not-yet') {
    body = <p className="muted">You can give {partner.name} feedback once the interview is over.</p>;
  } else if (own.kind === 'loading') {
    body = <Spinner label="Checking whether you’ve sent feedback…" />;
  } else if (own.kind === 'error') {
    body = (
      <div className="alert alert-error" role="alert" data-testid="feedback-error">
        <AlertCircle size={16} aria-hidden="true" /> We couldn’t check whether you’ve already sent feedback. {own.message}{' '}
        <button type="button" className="link-button" onClick={() => setReloadKey((k) => k + 1)}>
          Try again
        </button>
      </div>
    );
  } else if (own.kind === 'sent' || windowState === 'sent') {
    body = (
      <FeedbackDone
        feedback={own.kind === 'sent' ? own.feedback : null}
        justNow={own.kind === 'sent' && own.justNow}
        partnerName={partner.name}
        items={items}
        Heading={Heading}
      />
    );
  } else if (windowState === 'closed') {
    body = (
      <div className="feedback-closed" data-testid="feedback-closed">
        <Heading className="feedback-heading">Feedback for {partner.name}</Heading>
        <p className="muted">
          <Clock size={16} aria-hidden="true" /> The feedback window for this session has closed: feedback can be sent
          up to 48 hours after a session.
        </p>
      </div>
    );
  } else {
    body = (
      <FeedbackFields
        session={session}
        uid={uid}
        partnerUid={partner.uid}
        partnerName={partner.name}
        compact={compact}
        Heading={Heading}
        autoFocus={autoFocus}
        onAnnounce={setAnnouncement}
        onSent={(feedback) => setOwn({ kind: 'sent', feedback, justNow: true })}
        onAlreadySent={(feedback) => setOwn({ kind: 'sent', feedback, justNow: false })}
      />
    );
  }

  return (
    <div className={`feedback-block${compact ? ' feedback-compact' : ''}`}>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {body}
    </div>
  );
}

// ---------------------------------------------------------------------------
// Sent: thank you, or "you've sent your feedback", with what was said
// ---------------------------------------------------------------------------

function FeedbackDone({
  feedback,
  justNow,
  partnerName,
  items,
  Heading,
}: {
  feedback: SessionFeedback | null;
  justNow: boolean;
  partnerName: string;
  items: ReturnType<typeof rubricFor>;
  Heading: 'h2' | 'h3';
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  useEffect(() => {
    if (justNow) headingRef.current?.focus();
  }, [justNow]);

  return (
    <section className="feedback-done" data-testid="feedback-done" data-state={justNow ? 'thanks' : 'sent'} aria-labelledby={headingId}>
      <div className="feedback-done-head">
        <CheckCircle2 size={22} aria-hidden="true" />
        <Heading id={headingId} ref={headingRef} tabIndex={-1} className="feedback-heading">
          {justNow ? 'Thank you — your feedback is sent' : 'You’ve sent your feedback'}
        </Heading>
      </div>
      <p className="muted small">
        {justNow ? 'Thanks for helping your partner improve. ' : ''}
        {partnerName.charAt(0).toUpperCase() + partnerName.slice(1)} can read it once you’ve both sent yours, or 48 hours
        after the session.
      </p>
      {feedback && <FeedbackSummary feedback={feedback} items={items} perspective="given" partnerName={partnerName} />}
    </section>
  );
}

// ---------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------

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

function FeedbackFields({
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
  const items = rubricFor(session);
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
        <RatingGroup
          field="overall"
          label="Overall"
          description={`How did ${partnerName} do as an interviewee and as an interviewer?`}
          variant="stars"
          value={draft.overall}
          onChange={(overall) => update({ overall })}
          testIdPrefix="feedback-overall"
          error={errors.overall}
          disabled={submitting}
        />

        <fieldset className="field rubric-fieldset">
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
        </fieldset>

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
          <p className="hint">Only {partnerName} sees this, with the rest of your feedback.</p>
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
