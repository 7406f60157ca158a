import { createContext, useContext } from 'react';
import type { CommunityProfile } from '../types/models';

export interface MyProfileState {
  /** The signed-in user's community profile; null while loading or if it doesn't exist yet. */
  profile: CommunityProfile | null;
  /** True until the first snapshot (or error) arrives. */
  loading: boolean;
  /** False when the document has not been created yet (bootstrap still running). */
  exists: boolean;
  /** A plain-words message when the profile can't be read. */
  error: string | null;
}

export const MyProfileContext = createContext<MyProfileState | null>(null);

export function useMyProfile(): MyProfileState {
  const value = useContext(MyProfileContext);
  if (!value) throw new Error('useMyProfile must be used inside <MyProfileProvider>.');
  return value;
}
