import { useEffect, useState, type ReactNode } from 'react';
import { doc, onSnapshot } from 'firebase/firestore';
import { db } from '../../lib/firebase';
import { useAuth } from '../../lib/authContext';
import { toCommunityProfile } from './communityProfile';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { MyProfileContext, type MyProfileState } from '../../lib/myProfileContext';

const INITIAL: MyProfileState = { profile: null, loading: true, exists: false, error: null };

/** Subscribes once to communityProfiles/{uid} for everything inside the signed-in shell. */
export function MyProfileProvider({ uid, children }: { uid: string; children: ReactNode }) {
  const [state, setState] = useState<MyProfileState>(INITIAL);
  // Subscribe again once the server has bootstrapped the profile, in case the first
  // listener failed because the document did not exist yet.
  const bootstrapped = useAuth().bootstrap.status === 'ready';

  useEffect(() => {
    setState(INITIAL);
    return onSnapshot(
      doc(db, 'communityProfiles', uid),
      (snapshot) => {
        const data = snapshot.data({ serverTimestamps: 'estimate' });
        setState({
          profile: data ? toCommunityProfile(snapshot.id, data) : null,
          loading: false,
          exists: snapshot.exists(),
          error: null,
        });
      },
      (error) => {
        setState((prev) => ({ ...prev, loading: false, error: firestoreErrorMessage(error) }));
      },
    );
  }, [uid, bootstrapped]);

  return <MyProfileContext.Provider value={state}>{children}</MyProfileContext.Provider>;
}
