import { createContext, useContext } from 'react';
import type { User } from 'firebase/auth';
import type { BootstrapProfileResponse } from '../types/models';

type BootstrapStatus = 'idle' | 'loading' | 'ready' | 'retrying';

export interface BootstrapState {
  status: BootstrapStatus;
  /** The profile that the server returned, once it has. */
  profile: BootstrapProfileResponse['profile'] | null;
  created: boolean;
  /** Number of failed attempts so far for the current user. */
  failures: number;
}

export interface AuthContextValue {
  /** The signed-in Firebase user, or null. */
  user: User | null;
  /** True until Firebase has told us whether someone is signed in. */
  loading: boolean;
  /** True right after the user pressed "Sign out": protected pages then go to "/" rather than /signin. */
  signedOutByUser: boolean;
  /** Called once the signed-out user has landed on "/". */
  acknowledgeSignOut: () => void;
  /** State of the once-per-session `bootstrapProfile` call. */
  bootstrap: BootstrapState;
  /** Remember the name typed at sign-up so the profile is created with it. */
  setSignUpDisplayName: (name: string | null) => void;
  signOut: () => Promise<void>;
}

export const AuthContext = createContext<AuthContextValue | null>(null);

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>.');
  return value;
}
