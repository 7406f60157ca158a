import { useEffect, useId, useRef } from 'react';
import { AlertCircle, RotateCcw, SearchX, SlidersHorizontal } from 'lucide-react';
import type { MatchingPreferences } from '../../types/models';
import { PreferenceSummary } from './PreferenceSummary';

export interface NoMatchInfo {
  title: string;
  message: string;
}

interface NoMatchPanelProps {
  info: NoMatchInfo;
  prefs: MatchingPreferences;
  onWiden: () => void;
  onRetry: () => void;
  retrying: boolean;
  error: string | null;
  focusOnMount: boolean;
}

export function NoMatchPanel({ info, prefs, onWiden, onRetry, retrying, error, focusOnMount }: NoMatchPanelProps) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();

  useEffect(() => {
    if (focusOnMount) headingRef.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- Only when the panel appears.
  }, []);

  return (
    <section className="card no-match-card" data-testid="no-match" aria-labelledby={headingId}>
      <div className="match-icon match-icon-muted" aria-hidden="true">
        <SearchX size={28} />
      </div>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        {info.title}
      </h2>
      <p className="muted no-match-message" data-testid="no-match-message">
        {info.message}
      </p>

      <PreferenceSummary prefs={prefs} label="What you asked for last time" />

      {error && (
        <p className="alert alert-error" role="alert" data-testid="practice-error">
          <AlertCircle size={16} aria-hidden="true" /> {error}
        </p>
      )}

      <div className="panel-actions">
        <button type="button" className="button button-secondary" onClick={onWiden} disabled={retrying} data-testid="no-match-widen">
          <SlidersHorizontal size={16} aria-hidden="true" /> Widen preferences
        </button>
        <button
          type="button"
          className="button button-primary"
          onClick={onRetry}
          disabled={retrying}
          aria-busy={retrying || undefined}
          data-testid="no-match-retry"
        >
          {retrying ? <span className="spinner spinner-sm" aria-hidden="true" /> : <RotateCcw size={16} aria-hidden="true" />}
          {retrying ? 'Joining…' : 'Try again'}
        </button>
      </div>
    </section>
  );
}
