import { useId, useState, type FormEvent } from 'react';
import { DIFFICULTIES, INVITER_ROLES, SESSION_TYPES, type Difficulty, type InviterRole, type SessionType } from '../../types/models';

export interface InviteChoice {
  sessionType: SessionType;
  difficulty: Difficulty;
  /** Null: now. */
  proposedAtMs: number | null;
  firstRole: InviterRole;
}

/** Session type, difficulty, and "now" or a proposed time (allowSchedule off for invite links). */
export function InviteForm({
  submitLabel,
  busy,
  allowSchedule = true,
  onSubmit,
}: {
  submitLabel: string;
  busy: boolean;
  allowSchedule?: boolean;
  onSubmit: (choice: InviteChoice) => void;
}) {
  const id = useId();
  const [sessionType, setSessionType] = useState<SessionType>('technical');
  const [difficulty, setDifficulty] = useState<Difficulty>('intermediate');
  const [firstRole, setFirstRole] = useState<InviterRole>('either');
  const [later, setLater] = useState(false);
  const [at, setAt] = useState('');
  const [error, setError] = useState<string | null>(null);

  function submit(e: FormEvent) {
    e.preventDefault();
    let proposedAtMs: number | null = null;
    if (later) {
      const ms = new Date(at).getTime();
      if (!at || !Number.isFinite(ms) || ms < Date.now() + 5 * 60_000) {
        setError('Choose a time at least 5 minutes from now.');
        return;
      }
      proposedAtMs = ms;
    }
    setError(null);
    onSubmit({ sessionType, difficulty, proposedAtMs, firstRole });
  }

  return (
    <form className="card invite-form" onSubmit={submit} data-testid="invite-form">
      <div className="field">
        <label htmlFor={`${id}-type`}>Session type</label>
        <select id={`${id}-type`} value={sessionType} onChange={(e) => setSessionType(e.target.value as SessionType)} data-testid="invite-type">
          {SESSION_TYPES.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-difficulty`}>Difficulty</label>
        <select id={`${id}-difficulty`} value={difficulty} onChange={(e) => setDifficulty(e.target.value as Difficulty)} data-testid="invite-difficulty">
          {DIFFICULTIES.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
      {allowSchedule && (
        <div className="field">
          <label htmlFor={`${id}-role`}>My first role</label>
          <select id={`${id}-role`} value={firstRole} onChange={(e) => setFirstRole(e.target.value as InviterRole)} data-testid="invite-role">
            {INVITER_ROLES.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
      )}
      {allowSchedule && (
        <fieldset className="field">
          <legend>When</legend>
          <label>
            <input type="radio" name={`${id}-when`} checked={!later} onChange={() => setLater(false)} data-testid="invite-now" /> Now
          </label>{' '}
          <label>
            <input type="radio" name={`${id}-when`} checked={later} onChange={() => setLater(true)} data-testid="invite-later" /> At a time I propose
          </label>
          {later && (
            <input type="datetime-local" aria-label="Proposed time" value={at} onChange={(e) => setAt(e.target.value)} data-testid="invite-at" />
          )}
        </fieldset>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={busy} data-testid="invite-submit">
        {busy ? 'Sending…' : submitLabel}
      </button>
    </form>
  );
}
