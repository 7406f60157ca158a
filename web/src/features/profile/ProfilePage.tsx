import { useId } from 'react';
import { AlertCircle, Check, Star } from 'lucide-react';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import {
  PROFILE_LIMITS as L,
  type CommunityProfile,
} from '../../types/models';
import { useAuth } from '../../lib/authContext';
import {
  ExperienceLevelField,
  IndustriesField,
  LanguagesField,
  TargetRolesField,
  TimeZoneField,
} from '../../components/PreferenceFields';
import { browserTimeZone } from '../../lib/timeZone';
import { useMyProfile } from '../../lib/myProfileContext';
import { SPECIALTY_RULES } from '../../lib/tags';
import { useProfileForm } from './useProfileForm';
import { TagInput } from '../../components/TagInput';
import { ProfileExtraFields } from './ProfileExtraFields';
import { completeness } from './profileCompleteness';
import { listPhrase } from '../../lib/text';

function formatJoined(profile: CommunityProfile): string {
  const date = profile.joinedAt?.toDate();
  if (!date) return '—';
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
}

export function ProfilePage() {
  const { user, bootstrap } = useAuth();
  const { profile, loading, exists, error: readError } = useMyProfile();

  const { draft, dirty, errors, saving, saved, saveError, pendingTags, formRef, update, setPending, handleSubmit, handleReset } =
    useProfileForm(user?.uid ?? null, profile);
  const ids = useId();
  const fid = (field: string) => `${ids}-${field}`;

  const header = <PageHeader title="Profile" lead="What practice partners see about you." />;

  if (readError && !profile) {
    return (
      <section data-testid="page-profile">
        {header}
        <div className="alert alert-error" role="alert">
          We couldn’t load your profile. {readError}
        </div>
      </section>
    );
  }

  if (loading || !exists || !profile || !draft) {
    const settingUp = !loading && !exists;
    return (
      <section data-testid="page-profile">
        {header}
        <div className="card loading-card">
          <Spinner label={settingUp ? 'Setting up your profile…' : 'Loading your profile…'} />
          <p className="muted">
            {settingUp
              ? bootstrap.status === 'retrying'
                ? 'We’re still setting up your profile. This can take a moment.'
                : 'Setting up your profile…'
              : 'Loading your profile…'}
          </p>
        </div>
      </section>
    );
  }

  const bioLength = draft.bio.trim().length;

  return (
    <section data-testid="page-profile">
      {header}

      <dl className="card stats" aria-label="Reputation and membership">
        <div>
          <dt>Reputation</dt>
          <dd data-testid="profile-reputation">
            <Star size={16} aria-hidden="true" /> {profile.reputation}
          </dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd data-testid="profile-joined">{formatJoined(profile)}</dd>
        </div>
      </dl>

      {completeness(profile).percent < 100 && (
        <p className="card completeness-hint" data-testid="profile-completeness">
          Your profile is {completeness(profile).percent}% complete. Partners pick people who tell them a little more:
          add {listPhrase(completeness(profile).missing, 'and')}.
        </p>
      )}

      <form ref={formRef} className="card form profile-form" onSubmit={handleSubmit} noValidate data-testid="profile-form">
        <div className="form-grid">
          <div className="field" data-field="displayName">
            <label htmlFor={fid('displayName')}>Display name</label>
            <input
              id={fid('displayName')}
              type="text"
              autoComplete="nickname"
              value={draft.displayName}
              maxLength={L.displayNameMax}
              aria-invalid={errors.displayName ? true : undefined}
              aria-describedby={errors.displayName ? fid('displayName-error') : fid('displayName-hint')}
              onChange={(e) => update('displayName', e.target.value)}
            />
            {errors.displayName ? (
              <p className="field-error" id={fid('displayName-error')}>{errors.displayName}</p>
            ) : (
              <p className="hint" id={fid('displayName-hint')}>Up to {L.displayNameMax} characters.</p>
            )}
          </div>

          <ExperienceLevelField
            idPrefix={ids}
            value={draft.experienceLevel}
            onChange={(next) => update('experienceLevel', next)}
            error={errors.experienceLevel}
          />
        </div>

        <div className="field" data-field="headline">
          <label htmlFor={fid('headline')}>Headline</label>
          <input
            id={fid('headline')}
            type="text"
            value={draft.headline}
            maxLength={L.headlineMax}
            placeholder="e.g. Frontend engineer preparing for senior roles"
            aria-invalid={errors.headline ? true : undefined}
            aria-describedby={errors.headline ? fid('headline-error') : fid('headline-hint')}
            onChange={(e) => update('headline', e.target.value)}
          />
          {errors.headline ? (
            <p className="field-error" id={fid('headline-error')}>{errors.headline}</p>
          ) : (
            <p className="hint" id={fid('headline-hint')}>
              One line, up to {L.headlineMax} characters. ({draft.headline.trim().length}/{L.headlineMax})
            </p>
          )}
        </div>

        <div className="field" data-field="bio">
          <label htmlFor={fid('bio')}>Bio</label>
          <textarea
            id={fid('bio')}
            rows={5}
            value={draft.bio}
            maxLength={L.bioMax}
            placeholder="What you’re preparing for, and what you’d like feedback on."
            aria-invalid={errors.bio ? true : undefined}
            aria-describedby={errors.bio ? fid('bio-error') : fid('bio-hint')}
            onChange={(e) => update('bio', e.target.value)}
          />
          {errors.bio ? (
            <p className="field-error" id={fid('bio-error')}>{errors.bio}</p>
          ) : (
            <p className="hint" id={fid('bio-hint')}>
              {bioLength}/{L.bioMax} characters
            </p>
          )}
        </div>

        <TimeZoneField
          idPrefix={ids}
          value={draft.timeZone}
          onChange={(next) => update('timeZone', next)}
          error={errors.timeZone}
          hint={<>Used to show booking slots in your local time. Your browser says {browserTimeZone().replaceAll('_', ' ')}.</>}
        />

        <LanguagesField
          idPrefix={ids}
          hint={`Choose ${L.languagesMin} to ${L.languagesMax}.`}
          value={draft.languages}
          onChange={(next) => update('languages', next)}
          max={L.languagesMax}
          error={errors.languages}
        />

        <IndustriesField
          idPrefix={ids}
          legend="Industries"
          hint={`Optional. Choose up to ${L.industriesMax}.`}
          value={draft.industries}
          onChange={(next) => update('industries', next)}
          max={L.industriesMax}
          error={errors.industries}
        />

        <TargetRolesField
          idPrefix={ids}
          label="Target roles"
          hint={`Optional. Up to ${L.targetRolesMax} roles you’re interviewing for, each up to ${L.targetRoleMax} characters. Press Enter to add.`}
          value={draft.targetRoles}
          onChange={(next) => update('targetRoles', next)}
          error={errors.targetRoles}
          pending={pendingTags.targetRoles}
          onPendingChange={(text) => setPending('targetRoles', text)}
        />

        <div data-field="specialties">
          <TagInput
            id={fid('specialties')}
            label="Specialties"
            hint={`Optional. Up to ${L.specialtiesMax} topics you can interview others on, each up to ${L.specialtyMax} characters.`}
            tags={draft.specialties}
            onChange={(next) => update('specialties', next)}
            rules={SPECIALTY_RULES}
            error={errors.specialties}
            pending={pendingTags.specialties}
            onPendingChange={(text) => setPending('specialties', text)}
          />
        </div>

        <ProfileExtraFields idPrefix={ids} draft={draft} errors={errors} update={update} />

        <div className="form-footer">
          <div className="form-status" aria-live="polite">
            {saveError && (
              <p className="status-error" role="alert" data-testid="profile-error">
                <AlertCircle size={16} aria-hidden="true" /> {saveError}
              </p>
            )}
            {saved && !saveError && (
              <p className="status-ok" data-testid="profile-saved">
                <Check size={16} aria-hidden="true" /> Saved
              </p>
            )}
            {dirty && !saved && !saveError && <p className="muted">You have unsaved changes.</p>}
          </div>
          <div className="form-actions">
            {dirty && (
              <button type="button" className="button button-ghost" onClick={handleReset} disabled={saving}>
                Discard changes
              </button>
            )}
            <button type="submit" className="button button-primary" disabled={saving} data-testid="profile-save">
              {saving && <span className="spinner spinner-sm" aria-hidden="true" />}
              {saving ? 'Saving…' : 'Save profile'}
            </button>
          </div>
        </div>
      </form>
    </section>
  );
}
