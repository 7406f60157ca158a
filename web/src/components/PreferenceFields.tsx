/**
 * The fields the Practice form and the profile page both ask for (experience level, time zone,
 * languages, industries, target roles), one component each so that every form keeps its own layout.
 */
import { useMemo, type ReactNode } from 'react';
import { TARGET_ROLE_RULES } from '../lib/tags';
import { timeZoneOptions } from '../lib/timeZone';
import {
  EXPERIENCE_LEVELS,
  INDUSTRIES,
  SPOKEN_LANGUAGES,
  isExperienceLevel,
  type ExperienceLevel,
  type Industry,
  type SpokenLanguage,
} from '../types/models';
import { ChoiceChips } from './ChoiceChips';
import { TagInput } from './TagInput';

interface FieldProps<T> {
  /** The form's id prefix: the control gets `${idPrefix}-${field}`. */
  idPrefix: string;
  value: T;
  onChange: (next: T) => void;
  error?: string | undefined;
  hint?: string;
}

export function ExperienceLevelField({ idPrefix, value, onChange, error }: FieldProps<ExperienceLevel>) {
  const id = `${idPrefix}-experienceLevel`;
  return (
    <div className="field" data-field="experienceLevel">
      <label htmlFor={id}>Experience level</label>
      <select
        id={id}
        value={value}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          if (isExperienceLevel(e.target.value)) onChange(e.target.value);
        }}
      >
        {EXPERIENCE_LEVELS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
            {o.description ? ` (${o.description})` : ''}
          </option>
        ))}
      </select>
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}

/** `allow` narrows the zones offered (the queue accepts fewer shapes than the browser knows). */
export function TimeZoneField({
  idPrefix,
  value,
  onChange,
  error,
  hint,
  allow,
}: Omit<FieldProps<string>, 'hint'> & { hint?: ReactNode; allow?: (zone: string) => boolean }) {
  const id = `${idPrefix}-timeZone`;
  const zones = useMemo(() => timeZoneOptions(value).filter(allow ?? (() => true)), [value, allow]);
  return (
    <div className="field" data-field="timeZone">
      <label htmlFor={id}>Time zone</label>
      <select
        id={id}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(e.target.value)}
      >
        {zones.map((z) => (
          <option key={z} value={z}>
            {z.replaceAll('_', ' ')}
          </option>
        ))}
      </select>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function LanguagesField({ idPrefix, value, onChange, error, hint, max }: FieldProps<SpokenLanguage[]> & { max: number }) {
  return (
    <div data-field="languages">
      <ChoiceChips
        id={`${idPrefix}-languages`}
        legend="Languages you can interview in"
        hint={hint}
        options={SPOKEN_LANGUAGES}
        selected={value}
        onChange={onChange}
        max={max}
        error={error}
      />
    </div>
  );
}

export function IndustriesField({
  idPrefix,
  value,
  onChange,
  error,
  hint,
  max,
  legend,
}: FieldProps<Industry[]> & { max: number; legend: string }) {
  return (
    <div data-field="industries">
      <ChoiceChips
        id={`${idPrefix}-industries`}
        legend={legend}
        hint={hint}
        options={INDUSTRIES}
        selected={value}
        onChange={onChange}
        max={max}
        error={error}
      />
    </div>
  );
}

export function TargetRolesField({
  idPrefix,
  value,
  onChange,
  error,
  hint,
  label,
  pending,
  onPendingChange,
}: FieldProps<string[]> & { label: string; pending: string; onPendingChange: (text: string) => void }) {
  return (
    <div data-field="targetRoles">
      <TagInput
        id={`${idPrefix}-targetRoles`}
        label={label}
        hint={hint ?? ''}
        tags={value}
        onChange={onChange}
        rules={TARGET_ROLE_RULES}
        error={error}
        pending={pending}
        onPendingChange={onPendingChange}
      />
    </div>
  );
}
