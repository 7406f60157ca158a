/** The profile form's state: the draft (the server's copy until edited), per-field errors, saving. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { browserTimeZone } from '../../lib/timeZone';
import { SPECIALTY_RULES, TARGET_ROLE_RULES, tagProblem, type TagRules } from '../../lib/tags';
import type { CommunityProfile, CommunityProfileClientField, CommunityProfileEditable } from '../../types/models';
import { saveProfile } from './profileData';
import { normaliseProfile, validateProfile, type ProfileErrors } from './profileValidation';

export function editableOf(p: CommunityProfile): CommunityProfileEditable {
  return {
    displayName: p.displayName,
    headline: p.headline,
    bio: p.bio,
    experienceLevel: p.experienceLevel,
    timeZone: p.timeZone || browserTimeZone(),
    languages: p.languages,
    industries: p.industries,
    targetRoles: p.targetRoles,
    specialties: p.specialties,
    listed: p.listed,
    availability: p.availability,
    openToRandom: p.openToRandom,
    preferredSessionTypes: p.preferredSessionTypes,
    maxSessionsPerDay: p.maxSessionsPerDay,
    feedbackStyle: p.feedbackStyle,
    openToMentoring: p.openToMentoring,
    onboarded: p.onboarded,
  };
}

type TagField = 'targetRoles' | 'specialties';
const TAG_FIELDS: readonly { field: TagField; rules: TagRules }[] = [
  { field: 'targetRoles', rules: TARGET_ROLE_RULES },
  { field: 'specialties', rules: SPECIALTY_RULES },
];
const NO_PENDING: Record<TagField, string> = { targetRoles: '', specialties: '' };

const FIELD_ORDER: readonly CommunityProfileClientField[] = [
  'displayName',
  'headline',
  'bio',
  'experienceLevel',
  'timeZone',
  'languages',
  'industries',
  'targetRoles',
  'specialties',
  'listed',
  'availability',
  'openToRandom',
  'preferredSessionTypes',
  'maxSessionsPerDay',
  'feedbackStyle',
  'openToMentoring',
  'onboarded',
];

export function useProfileForm(uid: string | null, profile: CommunityProfile | null) {
  const [draft, setDraft] = useState<CommunityProfileEditable | null>(null);
  const [dirty, setDirty] = useState(false);
  const [pendingTags, setPendingTags] = useState<Record<TagField, string>>(NO_PENDING);
  const [errors, setErrors] = useState<ProfileErrors>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  // Take the server's copy whenever the user has no unsaved edits.
  useEffect(() => {
    if (profile && !dirty) setDraft(editableOf(profile));
  }, [profile, dirty]);

  useEffect(() => {
    if (!saved) return;
    const timer = setTimeout(() => setSaved(false), 4000);
    return () => clearTimeout(timer);
  }, [saved]);

  function clearError(field: CommunityProfileClientField) {
    setErrors((prev) => {
      if (!prev[field]) return prev;
      const next = { ...prev };
      delete next[field];
      return next;
    });
  }

  function update<K extends CommunityProfileClientField>(field: K, value: CommunityProfileEditable[K]) {
    setDraft((prev) => (prev ? { ...prev, [field]: value } : prev));
    setDirty(true);
    setSaved(false);
    setSaveError(null);
    clearError(field);
  }

  function setPending(field: TagField, text: string) {
    setPendingTags((prev) => ({ ...prev, [field]: text }));
    setDirty(true);
    setSaved(false);
    clearError(field);
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!draft || !uid || saving) return;

    // Include tags that were typed but not yet added.
    let candidate = draft;
    for (const { field, rules } of TAG_FIELDS) {
      const text = pendingTags[field].trim();
      if (!text) continue;
      const problem = tagProblem(text, candidate[field], rules);
      if (problem) {
        setErrors({ [field]: problem });
        setSaveError('Fix the highlighted fields, then save again.');
        return;
      }
      candidate = { ...candidate, [field]: [...candidate[field], text] };
    }
    if (candidate !== draft) {
      setDraft(candidate);
      setPendingTags(NO_PENDING);
    }

    const found = validateProfile(candidate);
    setErrors(found);
    const firstInvalid = FIELD_ORDER.find((f) => found[f]);
    if (firstInvalid) {
      setSaveError('Fix the highlighted fields, then save again.');
      const el = formRef.current?.querySelector<HTMLElement>(`[data-field="${firstInvalid}"] input, [data-field="${firstInvalid}"] textarea, [data-field="${firstInvalid}"] select`);
      el?.focus();
      return;
    }

    setSaving(true);
    setSaveError(null);
    setSaved(false);
    try {
      const values = normaliseProfile(candidate);
      // Only the client-writable fields, plus the server time of the edit.
      await saveProfile(uid, values);
      setDraft(values);
      setDirty(false);
      setSaved(true);
    } catch (err) {
      setSaveError(firestoreErrorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  function handleReset() {
    if (profile) setDraft(editableOf(profile));
    setDirty(false);
    setErrors({});
    setSaveError(null);
    setPendingTags(NO_PENDING);
  }

  return { draft, dirty, errors, saving, saved, saveError, pendingTags, formRef, update, setPending, handleSubmit, handleReset };
}
