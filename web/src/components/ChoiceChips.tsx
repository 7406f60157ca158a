import type { Option } from '../types/models';

interface ChoiceChipsProps<T extends string> {
  id: string;
  legend: string;
  hint?: string;
  options: readonly Option<T>[];
  selected: readonly T[];
  onChange: (next: T[]) => void;
  max: number;
  error?: string | undefined;
  /** Show "N of max chosen" (default true); pointless when every option may be chosen. */
  showCount?: boolean;
}

/** A multi-select as a group of checkbox "chips": keyboard friendly (Tab + Space). */
export function ChoiceChips<T extends string>({
  id,
  legend,
  hint,
  options,
  selected,
  onChange,
  max,
  error,
  showCount = true,
}: ChoiceChipsProps<T>) {
  const chosen = new Set<string>(selected);
  const atMax = selected.length >= max;
  const describedBy = [hint ? `${id}-hint` : null, showCount ? `${id}-count` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');

  function toggle(value: T) {
    if (chosen.has(value)) onChange(selected.filter((v) => v !== value));
    else if (!atMax) onChange([...selected, value]);
  }

  return (
    <fieldset className="field chips-field" aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <div className="chips">
        {options.map((option) => {
          const checked = chosen.has(option.value);
          return (
            <label key={option.value} className={`chip${checked ? ' chip-on' : ''}${!checked && atMax ? ' chip-disabled' : ''}`}>
              <input
                type="checkbox"
                name={id}
                value={option.value}
                checked={checked}
                disabled={!checked && atMax}
                onChange={() => toggle(option.value)}
              />
              <span>{option.label}</span>
            </label>
          );
        })}
      </div>
      {showCount && (
        <p className="hint" id={`${id}-count`} aria-live="polite">
          {selected.length} of {max} chosen{atMax ? ' — that’s the maximum' : ''}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
