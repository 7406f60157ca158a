import { useEffect, useState, type ReactNode } from 'react';
import { useAuth } from '../../lib/authContext';
import { watchCommunityProfile } from './profileData';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { MyProfileContext, type MyProfileState } from '../../lib/myProfileContext';

const INITIAL: MyProfileState = { profile: null, loading: true, exists: false, error: null };

/** Subscribes once to the signed-in user's communityProfiles/{uid} for everything inside the shell. */
export function MyProfileProvider({ children }: { children: ReactNode }) {
  const { user, bootstrap } = useAuth();
  const uid = user?.uid ?? null;
  const [state, setState] = useState<MyProfileState>(INITIAL);
  // Subscribe again once the server has bootstrapped the profile, in case the first
  // listener failed because the document did not exist yet.
  const bootstrapped = bootstrap.status === 'ready';

  useEffect(() => {
    setState(INITIAL);
    if (!uid) return;
    return watchCommunityProfile(
      uid,
      (profile, exists) => {
        setState({ profile, loading: false, exists, error: null });
      },
      (error) => {
        setState((prev) => ({ ...prev, loading: false, error: firestoreErrorMessage(error) }));
      },
    );
  }, [uid, bootstrapped]);

  return <MyProfileContext.Provider value={state}>{children}</MyProfileContext.Provider>;
}
