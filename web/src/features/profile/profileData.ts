/** communityProfiles/{uid}: read through toCommunityProfile; the owner writes only the editable fields. */
import {
  doc,
  onSnapshot,
  serverTimestamp,
  updateDoc,
  type DocumentData,
  type DocumentReference,
  type FirestoreError,
  type Unsubscribe,
} from 'firebase/firestore';
import { COLLECTIONS } from '../../lib/data/collections';
import { readConverter } from '../../lib/data/converter';
import { db } from '../../lib/firebase';
import type { CommunityProfile, CommunityProfileEditable } from '../../types/models';
import { toCommunityProfile } from './communityProfile';

const profileConverter = readConverter(toCommunityProfile);

/** Follows the member's profile: the checked profile (server times estimated) and whether it exists. */
export function watchCommunityProfile(
  uid: string,
  onProfile: (profile: CommunityProfile | null, exists: boolean) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    communityProfileRef(uid),
    (snapshot) => onProfile(snapshot.data({ serverTimestamps: 'estimate' }) ?? null, snapshot.exists()),
    onError,
  );
}

function communityProfileRef(uid: string): DocumentReference<CommunityProfile | null, DocumentData> {
  return doc(db, COLLECTIONS.communityProfiles, uid).withConverter(profileConverter);
}

/** Saves the editable fields (already validated and normalised) and stamps updatedAt. */
export async function saveProfile(uid: string, values: CommunityProfileEditable): Promise<void> {
  await updateDoc(doc(db, COLLECTIONS.communityProfiles, uid), {
    displayName: values.displayName,
    headline: values.headline,
    bio: values.bio,
    experienceLevel: values.experienceLevel,
    timeZone: values.timeZone,
    languages: values.languages,
    industries: values.industries,
    targetRoles: values.targetRoles,
    specialties: values.specialties,
    listed: values.listed,
    availability: values.availability,
    openToRandom: values.openToRandom,
    preferredSessionTypes: values.preferredSessionTypes,
    maxSessionsPerDay: values.maxSessionsPerDay,
    feedbackStyle: values.feedbackStyle,
    openToMentoring: values.openToMentoring,
    onboarded: values.onboarded,
    updatedAt: serverTimestamp(),
  });
}
