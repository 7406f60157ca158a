import { useEffect, useId, useRef, useState } from 'react';
import { AlertCircle, Bell, Info, Lightbulb, Volume2, VolumeX, X, Zap } from 'lucide-react';
import type { MatchingQueueEntry, MatchingStatusResponse, ParticipantRole } from '../../types/models';
import {
  askNotificationAccess,
  matchSoundOn,
  notificationAccess,
  setMatchSoundOn,
  type NotificationAccess,
} from '../../lib/matchAlerts';
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
  if (count === 0) return 'Nobody waiting right now could be your partner yet — we’ll match you as soon as someone who fits joins.';
  const session = `${withArticle(sessionTypesPhrase(entry.sessionTypes))} session`;
  // Counted by the server: a shared language and session type, roles that fit, nobody blocked either way.
  return count === 1
    ? `1 person waiting right now could be your partner for ${session}.`
    : `${count} people waiting right now could be your partner for ${session}.`;
}

/** "People like you waited about 40 seconds" and what would widen the chances, from the server's counts. */
function hints(entry: MatchingQueueEntry, status: MatchingStatusResponse | null): string[] {
  if (!status) return [];
  const out: string[] = [];
  if (status.medianWaitS !== undefined && status.medianSample !== undefined)
    out.push(`In the last hour, people looking for the same found a partner after about ${formatWait(status.medianWaitS)} (median of ${status.medianSample}).`);
  const w = status.widen;
  if (!w) return out;
  const people = (n: number) => (n === 1 ? '1 more person' : `${n} more people`);
  if (w.eitherRole) out.push(`With “Either” as your first role, ${people(w.eitherRole)} would fit.`);
  if (w.allSessionTypes) out.push(`With every session type, ${people(w.allSessionTypes)} would fit.`);
  if (w.sameRoleAfterBend && w.bendInS !== undefined && entry.rolePreference !== 'flexible')
    out.push(`In about ${formatWait(w.bendInS)}, ${people(w.sameRoleAfterBend)} who also want to start as the ${entry.rolePreference} can be paired with you; one of you then starts in the other role (you swap at half time anyway).`);
  return out;
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
  /** "Start as interviewer to be matched now" */
  onTakeRole: (role: ParticipantRole) => void;
  takingRole: boolean;
  /** Our join has not reached the server yet. */
  pending: boolean;
  clockOffsetMs: number;
  onCancel: () => void;
  cancelling: boolean;
  error: string | null;
  focusOnMount: boolean;
}

export function WaitingPanel({
  entry,
  onTakeRole,
  takingRole,
  pending,
  clockOffsetMs,
  onCancel,
  cancelling,
  error,
  focusOnMount,
}: WaitingPanelProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  // Until the server's joinedAt resolves, count from when this screen appeared.
  const [shownAt] = useState(() => Date.now());
  const now = useNow(true);
  // A changed first role asks again at once.
  const waiting = useWaitingCount(!pending, entry.rolePreference);
  const [sound, setSound] = useState(matchSoundOn);
  const [access, setAccess] = useState<NotificationAccess>(notificationAccess);
  const offer = waiting.status?.roleOffer;

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
        {entry.requeuedFrom && (
          <p className="notice" data-testid="partner-declined">
            <Info size={16} aria-hidden="true" />
            <span>Your partner couldn’t make it after all. You’re back at the front of the queue.</span>
          </p>
        )}
        <p className="wait-count" aria-live="polite" data-testid="waiting-count">
          {countSentence(entry, pending, waiting)}
        </p>
        {offer && (
          <div className="notice" data-testid="role-offer">
            <Zap size={16} aria-hidden="true" />
            <span>
              Few people want to start as the {offer.role} right now, and {offer.partners === 1 ? 'someone' : `${offer.partners} people`}{' '}
              waiting would fit you at once.{' '}
              <button
                type="button"
                className="button button-primary button-sm"
                onClick={() => onTakeRole(offer.role)}
                disabled={takingRole}
                aria-busy={takingRole || undefined}
                data-testid="take-role"
              >
                Start as {offer.role} to be matched now
              </button>
            </span>
          </div>
        )}
        {hints(entry, waiting.status).map((hint) => (
          <p className="muted wait-hint" key={hint} data-testid="waiting-hint">
            <Lightbulb size={14} aria-hidden="true" /> {hint}
          </p>
        ))}
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
            className="button button-ghost"
            aria-pressed={sound}
            onClick={() => {
              setMatchSoundOn(!sound);
              setSound(!sound);
            }}
            data-testid="match-sound"
          >
            {sound ? <Volume2 size={16} aria-hidden="true" /> : <VolumeX size={16} aria-hidden="true" />}
            {sound ? 'Sound on' : 'Sound off'}
          </button>
          {access === 'default' && (
            <button
              type="button"
              className="button button-ghost"
              onClick={() => void askNotificationAccess().then(setAccess)}
              data-testid="ask-notifications"
            >
              <Bell size={16} aria-hidden="true" /> Notify me in the background
            </button>
          )}
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
