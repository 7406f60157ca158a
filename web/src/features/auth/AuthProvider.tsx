import { useCallback, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { onAuthStateChanged, signOut as firebaseSignOut, type User } from 'firebase/auth';
import { auth } from '../../lib/firebase';
import { AuthContext, type AuthContextValue } from '../../lib/authContext';
import { profileBootstrapper } from './profileBootstrap';

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(() => auth.currentUser);
  const [loading, setLoading] = useState(true);
  const [signedOutByUser, setSignedOutByUser] = useState(false);
  const bootstrap = useSyncExternalStore(profileBootstrapper.subscribe, profileBootstrapper.getSnapshot);

  useEffect(
    () =>
      onAuthStateChanged(auth, (next) => {
        setUser(next);
        setLoading(false);
        if (next) setSignedOutByUser(false);
      }),
    [],
  );

  const uid = user?.uid ?? null;
  const fallbackName = user?.displayName ?? null;
  useEffect(() => {
    if (uid) profileBootstrapper.ensure(uid, fallbackName);
    else if (!loading) profileBootstrapper.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- Only a change of user (or the end of loading) triggers bootstrapping; the bootstrapper itself makes sure each user is bootstrapped once per page session.
  }, [uid, loading]);

  const setSignUpDisplayName = useCallback((name: string | null) => {
    profileBootstrapper.setDisplayNameHint(name);
  }, []);

  const acknowledgeSignOut = useCallback(() => setSignedOutByUser(false), []);

  const signOut = useCallback(async () => {
    setSignedOutByUser(true);
    try {
      await firebaseSignOut(auth);
    } catch (error) {
      setSignedOutByUser(false);
      throw error;
    }
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({ user, loading, signedOutByUser, acknowledgeSignOut, bootstrap, setSignUpDisplayName, signOut }),
    [user, loading, signedOutByUser, acknowledgeSignOut, bootstrap, setSignUpDisplayName, signOut],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
