import { useEffect, useId, useRef, useState } from 'react';
import { FirebaseError } from 'firebase/app';
import { AlertCircle, CheckCircle2, Clock } from 'lucide-react';
import { FeedbackSummary } from '../../components/FeedbackSummary';
import { Spinner } from '../../components/Spinner';
import { readFeedback } from '../../lib/data/feedback';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { feedbackWindow, partnerOf, rubricFor } from '../../lib/sessionRules';
import type { FeedbackFormProps } from '../../lib/slots';
import type { SessionFeedback } from '../../types/models';
import { FeedbackFields } from './FeedbackFields';

type Own =
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'sent'; feedback: SessionFeedback | null; justNow: boolean }
  | { kind: 'error'; message: string };

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
