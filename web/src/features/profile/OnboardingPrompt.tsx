/**
 * The first-sign-in step: a card under the top bar asking for the essentials (name, level, languages,
 * listing) until the member saves or skips it (communityProfiles.onboarded). Not a modal, and not shown on
 * invitation pages, so a friend arriving through an invite link lands in the invitation undisturbed.
 */
import { useState, type FormEvent } from 'react';
import { useLocation } from 'react-router-dom';
import { useAuth } from '../../lib/authContext';
import { useMyProfile } from '../../lib/myProfileContext';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { ExperienceLevelField, LanguagesField } from '../../components/PreferenceFields';
import { PROFILE_LIMITS as L, type CommunityProfileEditable } from '../../types/models';
import { saveProfile } from './profileData';
import { editableOf } from './useProfileForm';
import { normaliseProfile, validateProfile } from './profileValidation';

// The profile page is the whole form already; never above a live room (it pushes the call below the fold).
const SKIPPED_PATHS = /^\/(join|invitations|profile|session)(\/|$)/;

export function OnboardingPrompt() {
  const { user } = useAuth();
  const { profile } = useMyProfile();
  const { pathname } = useLocation();
  const [draft, setDraft] = useState<CommunityProfileEditable | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  if (!user || !profile || profile.onboarded || SKIPPED_PATHS.test(pathname)) return null;
  const values = draft ?? editableOf(profile);

  async function finish(next: CommunityProfileEditable) {
    if (!user) return;
    setSaving(true);
    setError(null);
    try {
      await saveProfile(user.uid, normaliseProfile({ ...next, onboarded: true }));
    } catch (err) {
      setError(firestoreErrorMessage(err));
    } finally {
      setSaving(false);
    }
  }
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const problems = validateProfile(values);
    const first = problems.displayName ?? problems.experienceLevel ?? problems.languages;
    if (first) {
      setError(first);
      return;
    }
    void finish(values);
  }

  return (
    <section className="container" aria-labelledby="onboarding-title" data-testid="onboarding">
      <form className="card form onboarding-card" onSubmit={submit}>
        <h2 id="onboarding-title">Welcome! Three things partners should know</h2>
        <div className="field">
          <label htmlFor="onboarding-name">Display name</label>
          <input
            id="onboarding-name"
            type="text"
            value={values.displayName}
            maxLength={L.displayNameMax}
            onChange={(e) => setDraft({ ...values, displayName: e.target.value })}
          />
        </div>
        <ExperienceLevelField
          idPrefix="onboarding"
          value={values.experienceLevel}
          onChange={(next) => setDraft({ ...values, experienceLevel: next })}
        />
        <LanguagesField
          idPrefix="onboarding"
          hint={`Choose ${L.languagesMin} to ${L.languagesMax}.`}
          value={values.languages}
          onChange={(next) => setDraft({ ...values, languages: next })}
          max={L.languagesMax}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={values.listed}
            onChange={(e) => setDraft({ ...values, listed: e.target.checked })}
            data-testid="onboarding-listed"
          />{' '}
          List me in the Community directory, so members can find me and invite me to practise
        </label>
        {error && (
          <p className="status-error" role="alert">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button
            type="button"
            className="button button-ghost"
            disabled={saving}
            onClick={() => void finish(editableOf(profile))}
            data-testid="onboarding-skip"
          >
            Skip for now
          </button>
          <button type="submit" className="button button-primary" disabled={saving} data-testid="onboarding-save">
            {saving ? 'Saving…' : 'Save and continue'}
          </button>
        </div>
      </form>
    </section>
  );
}
