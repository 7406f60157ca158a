import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Star } from 'lucide-react';
import { FEEDBACK_LIMITS as L, RATING_WORDS } from '../../types/models';

const POINTS: readonly number[] = Array.from({ length: L.ratingMax - L.ratingMin + 1 }, (_, i) => L.ratingMin + i);

interface RatingGroupProps {
  /** The group's visible name. */
  label: ReactNode;
  /** Plain words under the name (what a high score means). */
  description?: string;
  value: number | null;
  onChange: (value: number) => void;
  /** `feedback-overall` gives `feedback-overall-1` … `feedback-overall-5`. */
  testIdPrefix: string;
  /** Stars for the overall rating, numbered steps for rubric items. */
  variant: 'stars' | 'scale';
  error?: string | undefined;
  disabled?: boolean;
  /** Marks the group for "focus the first field with a problem". */
  field: string;
}

/**
 * A 1–5 rating as an ARIA radio group: one tab stop (the chosen point, else the first), arrow keys move
 * and choose (wrapping, as radio buttons do), Home and End jump, Space or Enter choose the focused point.
 */
export function RatingGroup({ label, description, value, onChange, testIdPrefix, variant, error, disabled, field }: RatingGroupProps) {
  const id = useId();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const [hover, setHover] = useState<number | null>(null);
  const labelId = `${id}-label`;
  const descriptionId = `${id}-description`;
  const errorId = `${id}-error`;
  const tabStop = value ?? L.ratingMin;
  const shown = hover ?? value;

  function choose(next: number, focus: boolean) {
    if (disabled) return;
    onChange(next);
    if (focus) refs.current[next - L.ratingMin]?.focus();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLButtonElement>, point: number) {
    let next: number;
    switch (event.key) {
      case 'ArrowRight':
      case 'ArrowUp':
        next = point >= L.ratingMax ? L.ratingMin : point + 1;
        break;
      case 'ArrowLeft':
      case 'ArrowDown':
        next = point <= L.ratingMin ? L.ratingMax : point - 1;
        break;
      case 'Home':
        next = L.ratingMin;
        break;
      case 'End':
        next = L.ratingMax;
        break;
      case ' ':
      case 'Enter':
        // Enter chooses rather than submitting the form.
        next = point;
        break;
      default:
        return;
    }
    event.preventDefault();
    choose(next, true);
  }

  const describedBy = [description ? descriptionId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;

  return (
    <div className={`rating-field rating-${variant}`} data-field={field}>
      <div className="rating-head">
        <span className="rating-label" id={labelId}>
          {label}
        </span>
        <span className="rating-word" aria-hidden="true">
          {shown ? (variant === 'stars' ? RATING_WORDS[shown] : `${shown} of ${L.ratingMax}`) : ''}
        </span>
      </div>
      {description && (
        <p className="hint" id={descriptionId}>
          {description}
        </p>
      )}
      <div
        className="rating-points"
        role="radiogroup"
        aria-labelledby={labelId}
        aria-describedby={describedBy}
        aria-required="true"
        aria-invalid={error ? true : undefined}
        aria-disabled={disabled || undefined}
        onMouseLeave={() => setHover(null)}
      >
        {POINTS.map((point) => {
          const checked = value === point;
          const lit = shown !== null && point <= shown;
          const words = RATING_WORDS[point] ?? '';
          return (
            <button
              key={point}
              ref={(el) => {
                refs.current[point - L.ratingMin] = el;
              }}
              type="button"
              role="radio"
              aria-checked={checked}
              aria-label={variant === 'stars' ? `${point} ${point === 1 ? 'star' : 'stars'}, ${words.toLowerCase()}` : `${point} of ${L.ratingMax}, ${words.toLowerCase()}`}
              tabIndex={point === tabStop ? 0 : -1}
              className={`rating-point${checked ? ' rating-point-on' : ''}${lit ? ' rating-point-lit' : ''}`}
              disabled={disabled}
              onClick={() => choose(point, false)}
              onKeyDown={(e) => handleKeyDown(e, point)}
              onMouseEnter={() => !disabled && setHover(point)}
              data-testid={`${testIdPrefix}-${point}`}
            >
              {variant === 'stars' ? <Star size={26} aria-hidden="true" strokeWidth={1.75} /> : <span aria-hidden="true">{point}</span>}
            </button>
          );
        })}
      </div>
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}
