import { useEffect, useId, useRef, useState } from 'react';
import { AlertCircle, X } from 'lucide-react';
import type { MatchingQueueEntry } from '../../types/models';
import { formatClock, formatWait, sessionTypesPhrase, withArticle } from './matchingDocs';
import { PreferenceSummary } from './PreferenceSummary';
import { useNow } from '../../lib/useNow';
import { useWaitingCount, type WaitingCountState } from './useMatching';

const RING_RADIUS = 52;
const RING_CIRCUMFERENCE = 2 * Math.PI * RING_RADIUS;

function countSentence(entry: MatchingQueueEntry, pending: boolean, { count, failed }: WaitingCountState): string {
  if (pending) return 'Joining the queue…';
  if (count === null) {
    return failed
      ? 'We couldn’t check who else is waiting just now, but we’re still looking for you.'
      : 'Checking who else is waiting…';
  }
  if (count === 0) return 'You’re first in line — we’ll match you as soon as someone compatible joins.';
  const session = `${withArticle(sessionTypesPhrase(entry.sessionTypes))} session`;
  return count === 1
    ? `1 other person is waiting for ${session} right now.`
    : `${count} other people are waiting for ${session} right now.`;
}

function spokenDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const minutes = Math.floor(s / 60);
  const seconds = s % 60;
  const parts: string[] = [];
  if (minutes) parts.push(minutes === 1 ? '1 minute' : `${minutes} minutes`);
  if (seconds || !minutes) parts.push(seconds === 1 ? '1 second' : `${seconds} seconds`);
  return parts.join(' ');
}

interface WaitingPanelProps {
  entry: MatchingQueueEntry;
  /** Our join has not reached the server yet. */
  pending: boolean;
  clockOffsetMs: number;
  onCancel: () => void;
  cancelling: boolean;
  error: string | null;
  focusOnMount: boolean;
}

export function WaitingPanel({ entry, pending, clockOffsetMs, onCancel, cancelling, error, focusOnMount }: WaitingPanelProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  // Until the server's joinedAt resolves, count from when this screen appeared.
  const [shownAt] = useState(() => Date.now());
  const now = useNow(true);
  const waiting = useWaitingCount(!pending);

  useEffect(() => {
    if (focusOnMount) headingRef.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when the panel appears
  }, []);

  const joinedMs = entry.joinedAt?.toMillis() ?? shownAt;
  const elapsed = Math.max(0, (now + clockOffsetMs - joinedMs) / 1000);
  const maxWait = entry.maxWaitTime;
  const progress = Math.min(1, elapsed / maxWait);
  const overdue = elapsed >= maxWait;

  return (
    <section className="card waiting-card" data-testid="waiting" aria-labelledby={headingId}>
      <div className="wait-visual">
        <div
          className="wait-ring"
          role="progressbar"
          aria-label="Time waited"
          aria-valuemin={0}
          aria-valuemax={maxWait}
          aria-valuenow={Math.min(maxWait, Math.floor(elapsed))}
          aria-valuetext={`${spokenDuration(elapsed)} of up to ${formatWait(maxWait)}`}
        >
          <span className="wait-pulse" aria-hidden="true" />
          <svg viewBox="0 0 120 120" aria-hidden="true" focusable="false">
            <circle className="wait-ring-track" cx="60" cy="60" r={RING_RADIUS} />
            <circle
              className="wait-ring-fill"
              cx="60"
              cy="60"
              r={RING_RADIUS}
              strokeDasharray={RING_CIRCUMFERENCE}
              strokeDashoffset={RING_CIRCUMFERENCE * (1 - progress)}
            />
          </svg>
          <div className="wait-clock" aria-hidden="true">
            <span className="wait-elapsed" data-testid="waiting-elapsed">
              {formatClock(elapsed)}
            </span>
            <span className="wait-limit">of {formatClock(maxWait)}</span>
          </div>
        </div>
      </div>

      <div className="wait-body">
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          Looking for a partner<span className="wait-dots" aria-hidden="true" />
        </h2>
        <p className="wait-count" aria-live="polite" data-testid="waiting-count">
          {countSentence(entry, pending, waiting)}
        </p>
        <p className="muted">
          {overdue
            ? 'You’ve reached your wait limit; we’re wrapping up the search.'
            : `We’ll keep looking for up to ${formatWait(maxWait)}. Keep this page open: your match appears here.`}
        </p>

        <PreferenceSummary prefs={entry} />

        {error && (
          <p className="alert alert-error" role="alert" data-testid="cancel-error">
            <AlertCircle size={16} aria-hidden="true" /> {error}
          </p>
        )}

        <div className="panel-actions">
          <button
            type="button"
            className="button button-secondary"
            onClick={onCancel}
            disabled={cancelling}
            aria-busy={cancelling || undefined}
            data-testid="cancel-search"
          >
            {cancelling ? <span className="spinner spinner-sm" aria-hidden="true" /> : <X size={16} aria-hidden="true" />}
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        </div>
      </div>
    </section>
  );
}
