import { useState, type KeyboardEvent } from 'react';
import { Plus, X } from 'lucide-react';
import { tagProblem, type TagRules } from '../lib/tags';

interface TagInputProps {
  id: string;
  label: string;
  hint: string;
  tags: readonly string[];
  onChange: (next: string[]) => void;
  rules: TagRules;
  error?: string | undefined;
  /** The text typed but not yet added; lifted so that Save can include it. */
  pending: string;
  onPendingChange: (text: string) => void;
}

/** Free-text tags: type, then press Enter (or comma) or the Add button. */
export function TagInput({ id, label, hint, tags, onChange, rules, error, pending, onPendingChange }: TagInputProps) {
  const { max, maxLength } = rules;
  const [localError, setLocalError] = useState<string | null>(null);
  const shownError = localError ?? error;
  const describedBy = [`${id}-hint`, shownError ? `${id}-error` : null].filter(Boolean).join(' ');

  function add() {
    const problem = tagProblem(pending, tags, rules);
    if (problem) {
      setLocalError(problem);
      return;
    }
    onChange([...tags, pending.trim()]);
    onPendingChange('');
    setLocalError(null);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault(); // Enter adds a tag here rather than submitting the form.
      if (pending.trim()) add();
    } else if (event.key === 'Backspace' && !pending && tags.length > 0) {
      onChange(tags.slice(0, -1));
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <p className="hint" id={`${id}-hint`}>
        {hint} ({tags.length} of {max})
      </p>
      {tags.length > 0 && (
        <ul className="tags" role="list" aria-label={label}>
          {tags.map((tag) => (
            <li key={tag} className="tag">
              <span>{tag}</span>
              <button
                type="button"
                className="tag-remove"
                onClick={() => onChange(tags.filter((t) => t !== tag))}
                aria-label={`Remove ${tag}`}
              >
                <X size={14} aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="input-with-button">
        <input
          id={id}
          type="text"
          value={pending}
          maxLength={maxLength}
          disabled={tags.length >= max}
          placeholder={tags.length >= max ? 'Maximum reached' : `e.g. ${rules.example}`}
          aria-describedby={describedBy}
          aria-invalid={shownError ? true : undefined}
          onChange={(e) => {
            onPendingChange(e.target.value);
            setLocalError(null);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="button" className="button button-secondary button-sm" onClick={add} disabled={tags.length >= max}>
          <Plus size={16} aria-hidden="true" /> Add
        </button>
      </div>
      {shownError && (
        <p className="field-error" id={`${id}-error`}>
          {shownError}
        </p>
      )}
    </div>
  );
}
