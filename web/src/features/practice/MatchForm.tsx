import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { AlertCircle, Search } from 'lucide-react';
import {
  DIFFICULTIES,
  MATCHING_LIMITS as L,
  MAX_WAIT_OPTIONS,
  ROLE_PREFERENCES,
  ROLE_PREFERENCE_SHORT_LABELS,
  SESSION_TYPES,
  type MatchingPreferences,
} from '../../types/models';
import { ChoiceChips } from '../../components/ChoiceChips';
import {
  ExperienceLevelField,
  IndustriesField,
  LanguagesField,
  TargetRolesField,
  TimeZoneField,
} from '../../components/PreferenceFields';
import {
  formatWait,
  isMatchingTimeZone,
  normalisePreferences,
  validatePreferences,
  withPendingRole,
  type PreferenceErrors,
} from './matchingDocs';

type Field = keyof MatchingPreferences;

const FIELD_ORDER: readonly Field[] = [
  'sessionTypes',
  'difficultyLevels',
  'rolePreference',
  'experienceLevel',
  'timeZone',
  'maxWaitTime',
  'languages',
  'industries',
  'targetRoles',
];

const ROLE_HINTS: Readonly<Record<MatchingPreferences['rolePreference'], string>> = {
  interviewer: 'You ask the questions first, then you’re interviewed.',
  interviewee: 'You’re interviewed first, then you ask the questions.',
  flexible: 'Whatever suits your partner: you’ll be matched sooner.',
};

/** Where the form puts keyboard focus when it appears after another state. */
export type FormFocus = 'submit' | 'first-field' | null;

interface MatchFormProps {
  value: MatchingPreferences;
  onChange: (next: MatchingPreferences) => void;
  /** Called with valid, normalised preferences. */
  onSubmit: (prefs: MatchingPreferences) => void;
  submitting: boolean;
  /** Plain words from the last attempt to join. */
  error: string | null;
  /** Shown above the fields (e.g. after a cancelled search, or a tip to widen preferences). */
  notice?: ReactNode;
  focusOnMount: FormFocus;
}

export function MatchForm({ value, onChange, onSubmit, submitting, error, notice, focusOnMount }: MatchFormProps) {
  const [errors, setErrors] = useState<PreferenceErrors>({});
  const [pendingRole, setPendingRole] = useState('');
  const formRef = useRef<HTMLFormElement>(null);
  const submitRef = useRef<HTMLButtonElement>(null);
  const ids = useId();
  const fid = (field: string) => `${ids}-${field}`;

  useEffect(() => {
    if (focusOnMount === 'submit') submitRef.current?.focus();
    else if (focusOnMount === 'first-field') formRef.current?.querySelector<HTMLElement>('input, select')?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- Only when the form appears, not on every change of the prop.
  }, []);

  const waitOptions = useMemo(() => {
    if (MAX_WAIT_OPTIONS.some((o) => o.seconds === value.maxWaitTime)) return MAX_WAIT_OPTIONS;
    return [...MAX_WAIT_OPTIONS, { seconds: value.maxWaitTime, label: formatWait(value.maxWaitTime) }].sort(
      (a, b) => a.seconds - b.seconds,
    );
  }, [value.maxWaitTime]);

  function clearError(field: Field) {
    setErrors((prev) => {
      if (!prev[field]) return prev;
      const rest = { ...prev };
      delete rest[field];
      return rest;
    });
  }

  function update<K extends Field>(field: K, next: MatchingPreferences[K]) {
    onChange({ ...value, [field]: next });
    clearError(field);
  }

  function focusField(field: Field) {
    formRef.current
      ?.querySelector<HTMLElement>(`[data-field="${field}"] input:not(:disabled), [data-field="${field}"] select`)
      ?.focus();
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;

    // A target role typed but not added yet counts.
    const { prefs: candidate, problem } = withPendingRole(value, pendingRole);
    if (problem) {
      setErrors({ targetRoles: problem });
      focusField('targetRoles');
      return;
    }
    if (candidate !== value) {
      onChange(candidate);
      setPendingRole('');
    }

    const found = validatePreferences(candidate);
    setErrors(found);
    const firstInvalid = FIELD_ORDER.find((f) => found[f]);
    if (firstInvalid) {
      focusField(firstInvalid);
      return;
    }
    onSubmit(normalisePreferences(candidate));
  }

  // Enter submits from any control (checkbox and radio chips, selects), not only text fields.
  // The target-role field keeps Enter for adding a role (it prevents the default itself).
  function handleKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key !== 'Enter' || event.defaultPrevented || event.nativeEvent.isComposing) return;
    const target = event.target;
    const isChoice = target instanceof HTMLInputElement && (target.type === 'checkbox' || target.type === 'radio');
    if (isChoice || target instanceof HTMLSelectElement) {
      event.preventDefault();
      formRef.current?.requestSubmit();
    }
  }

  const hasErrors = Object.keys(errors).length > 0;
  const roleHintId = fid('role-hint');

  return (
    <form
      ref={formRef}
      className="card form practice-form"
      onSubmit={handleSubmit}
      onKeyDown={handleKeyDown}
      noValidate
      aria-label="Find a partner"
      data-testid="practice-form"
    >
      {notice}

      <div data-field="sessionTypes">
        <ChoiceChips
          id={fid('sessionTypes')}
          legend="Session type"
          hint="Pick every kind you’d be happy with: the more you pick, the sooner you’re matched."
          options={SESSION_TYPES}
          selected={value.sessionTypes}
          onChange={(next) => update('sessionTypes', next)}
          max={L.sessionTypesMax}
          showCount={false}
          error={errors.sessionTypes}
        />
      </div>

      <div data-field="difficultyLevels">
        <ChoiceChips
          id={fid('difficultyLevels')}
          legend="Difficulty"
          hint="How hard the questions should be."
          options={DIFFICULTIES}
          selected={value.difficultyLevels}
          onChange={(next) => update('difficultyLevels', next)}
          max={L.difficultyLevelsMax}
          showCount={false}
          error={errors.difficultyLevels}
        />
      </div>

      <fieldset
        className="field"
        data-field="rolePreference"
        aria-describedby={[roleHintId, errors.rolePreference ? fid('role-error') : null].filter(Boolean).join(' ')}
      >
        <legend>Your role for the first half</legend>
        <div className="segmented">
          {ROLE_PREFERENCES.map((option) => {
            const checked = value.rolePreference === option.value;
            return (
              <label key={option.value} className={`segment${checked ? ' segment-on' : ''}`} title={option.label}>
                <input
                  type="radio"
                  name={fid('rolePreference')}
                  value={option.value}
                  checked={checked}
                  onChange={() => update('rolePreference', option.value)}
                />
                <span>{ROLE_PREFERENCE_SHORT_LABELS[option.value]}</span>
              </label>
            );
          })}
        </div>
        <p className="hint" id={roleHintId}>
          {ROLE_HINTS[value.rolePreference]} You’ll swap roles halfway through.
        </p>
        {errors.rolePreference && (
          <p className="field-error" id={fid('role-error')}>
            {errors.rolePreference}
          </p>
        )}
      </fieldset>

      <div className="form-grid form-grid-3">
        <ExperienceLevelField
          idPrefix={ids}
          value={value.experienceLevel}
          onChange={(next) => update('experienceLevel', next)}
          error={errors.experienceLevel}
        />

        <TimeZoneField
          idPrefix={ids}
          value={value.timeZone}
          onChange={(next) => update('timeZone', next)}
          error={errors.timeZone}
          allow={isMatchingTimeZone}
        />

        <div className="field" data-field="maxWaitTime">
          <label htmlFor={fid('maxWaitTime')}>Wait for up to</label>
          <select
            id={fid('maxWaitTime')}
            value={String(value.maxWaitTime)}
            aria-invalid={errors.maxWaitTime ? true : undefined}
            aria-describedby={errors.maxWaitTime ? fid('maxWaitTime-error') : fid('maxWaitTime-hint')}
            onChange={(e) => update('maxWaitTime', Number(e.target.value))}
          >
            {waitOptions.map((o) => (
              <option key={o.seconds} value={String(o.seconds)}>
                {o.label}
              </option>
            ))}
          </select>
          {errors.maxWaitTime ? (
            <p className="field-error" id={fid('maxWaitTime-error')}>
              {errors.maxWaitTime}
            </p>
          ) : (
            <p className="hint" id={fid('maxWaitTime-hint')}>
              Then we stop looking and let you know.
            </p>
          )}
        </div>
      </div>

      <LanguagesField
        idPrefix={ids}
        hint={`Choose 1 to ${L.languagesMax}. Your partner will share at least one.`}
        value={value.languages}
        onChange={(next) => update('languages', next)}
        max={L.languagesMax}
        error={errors.languages}
      />

      <IndustriesField
        idPrefix={ids}
        legend="Industries (optional)"
        hint="A partner from the same field is preferred, never required."
        value={value.industries}
        onChange={(next) => update('industries', next)}
        max={L.industriesMax}
        error={errors.industries}
      />

      <TargetRolesField
        idPrefix={ids}
        label="Target roles (optional)"
        hint="Roles you’re preparing for. Press Enter to add each one."
        value={value.targetRoles}
        onChange={(next) => update('targetRoles', next)}
        error={errors.targetRoles}
        pending={pendingRole}
        onPendingChange={(text) => {
          setPendingRole(text);
          clearError('targetRoles');
        }}
      />

      <div className="form-footer">
        <div className="form-status" aria-live="polite">
          {error ? (
            <p className="status-error" role="alert" data-testid="practice-error">
              <AlertCircle size={16} aria-hidden="true" /> {error}
            </p>
          ) : hasErrors ? (
            <p className="status-error">
              <AlertCircle size={16} aria-hidden="true" /> Fix the highlighted fields, then try again.
            </p>
          ) : (
            <p className="muted">Sessions last about an hour: you each get a turn as the interviewer.</p>
          )}
        </div>
        <div className="form-actions">
          <button
            ref={submitRef}
            type="submit"
            className="button button-primary button-lg"
            disabled={submitting}
            aria-busy={submitting || undefined}
            data-testid="find-partner"
          >
            {submitting ? (
              <span className="spinner spinner-sm" aria-hidden="true" />
            ) : (
              <Search size={18} aria-hidden="true" />
            )}
            {submitting ? 'Joining…' : 'Find a partner'}
          </button>
        </div>
      </div>
    </form>
  );
}
