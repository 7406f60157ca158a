/** The profile form's directory, availability and preference fields (the rest is ProfilePage). */
import { Plus, Trash2 } from 'lucide-react';
import { ChoiceChips } from '../../components/ChoiceChips';
import {
  FEEDBACK_STYLES,
  PROFILE_LIMITS as L,
  SESSION_TYPES,
  isFeedbackStyle,
  type CommunityProfileClientField,
  type CommunityProfileEditable,
} from '../../types/models';
import {
  WEEKDAYS,
  WEEKDAY_LABELS,
  formatAvailability,
  parseAvailability,
  type AvailabilityRange,
  type Weekday,
} from '../../lib/availability';
import type { ProfileErrors } from './profileValidation';

interface Props {
  idPrefix: string;
  draft: CommunityProfileEditable;
  errors: ProfileErrors;
  update: <K extends CommunityProfileClientField>(field: K, value: CommunityProfileEditable[K]) => void;
}

export function ProfileExtraFields({ idPrefix, draft, errors, update }: Props) {
  const fid = (field: string) => `${idPrefix}-${field}`;
  const ranges = parseAvailability(draft.availability);

  function setRanges(next: AvailabilityRange[]) {
    update('availability', formatAvailability(next));
  }
  function setRange(index: number, patch: Partial<AvailabilityRange>) {
    setRanges(ranges.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  }

  return (
    <>
      <div className="field" data-field="listed">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.listed}
            onChange={(e) => update('listed', e.target.checked)}
            data-testid="profile-listed"
          />{' '}
          List me in the Community directory
        </label>
        <p className="hint">
          Members can find you by name, specialties and industries. Off by default. Your card in the directory
          follows a save within about 10 seconds (within a minute after many saves in a row).
        </p>
      </div>

      <fieldset className="field" data-field="availability" aria-describedby={fid('availability-hint')}>
        <legend>Availability</legend>
        <p className="hint" id={fid('availability-hint')}>
          When you usually like to practise, in your time zone ({draft.timeZone.replaceAll('_', ' ')}). Members see it,
          and “available now” in the directory comes from it.
        </p>
        {ranges.map((r, i) => (
          <div className="availability-row" key={i}>
            <select
              aria-label={`Day of range ${i + 1}`}
              value={r.day}
              onChange={(e) => setRange(i, { day: e.target.value as Weekday })}
            >
              {WEEKDAYS.map((d) => (
                <option key={d} value={d}>
                  {WEEKDAY_LABELS[d]}
                </option>
              ))}
            </select>
            <input
              type="time"
              aria-label={`Start of range ${i + 1}`}
              value={r.from}
              onChange={(e) => setRange(i, { from: e.target.value })}
            />
            <span aria-hidden="true">–</span>
            <input
              type="time"
              aria-label={`End of range ${i + 1}`}
              value={r.to === '24:00' ? '23:59' : r.to}
              onChange={(e) => setRange(i, { to: e.target.value === '23:59' ? '24:00' : e.target.value })}
            />
            <button
              type="button"
              className="button button-ghost button-sm"
              aria-label={`Remove range ${i + 1}`}
              onClick={() => setRanges(ranges.filter((_, j) => j !== i))}
            >
              <Trash2 size={16} aria-hidden="true" />
            </button>
          </div>
        ))}
        <button
          type="button"
          className="button button-ghost button-sm"
          disabled={ranges.length >= L.availabilityRangesMax}
          onClick={() => setRanges([...ranges, { day: 'mon', from: '18:00', to: '20:00' }])}
        >
          <Plus size={16} aria-hidden="true" /> Add a time range
        </button>
        {errors.availability && <p className="field-error">{errors.availability}</p>}
      </fieldset>

      <ChoiceChips
        id={fid('preferredSessionTypes')}
        legend="Session types you prefer"
        hint={`Optional. Up to ${L.preferredSessionTypesMax}.`}
        options={SESSION_TYPES}
        selected={draft.preferredSessionTypes}
        onChange={(next) => update('preferredSessionTypes', next)}
        max={L.preferredSessionTypesMax}
        error={errors.preferredSessionTypes}
        showCount={false}
      />

      <div className="form-grid">
        <div className="field" data-field="maxSessionsPerDay">
          <label htmlFor={fid('maxSessionsPerDay')}>At most sessions a day</label>
          <input
            id={fid('maxSessionsPerDay')}
            type="number"
            min={L.maxSessionsPerDayMin}
            max={L.maxSessionsPerDayMax}
            value={draft.maxSessionsPerDay}
            aria-invalid={errors.maxSessionsPerDay ? true : undefined}
            onChange={(e) => update('maxSessionsPerDay', Number.parseInt(e.target.value, 10) || 0)}
          />
          {errors.maxSessionsPerDay && <p className="field-error">{errors.maxSessionsPerDay}</p>}
        </div>
        <div className="field" data-field="feedbackStyle">
          <label htmlFor={fid('feedbackStyle')}>Feedback you like</label>
          <select
            id={fid('feedbackStyle')}
            value={draft.feedbackStyle}
            onChange={(e) => {
              if (isFeedbackStyle(e.target.value)) update('feedbackStyle', e.target.value);
            }}
          >
            {FEEDBACK_STYLES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label} — {s.description}
              </option>
            ))}
          </select>
        </div>
      </div>

      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={draft.openToRandom} onChange={(e) => update('openToRandom', e.target.checked)} />{' '}
          Open to random matching
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={draft.openToMentoring}
            onChange={(e) => update('openToMentoring', e.target.checked)}
          />{' '}
          Open to mentoring newer members
        </label>
      </div>
    </>
  );
}
