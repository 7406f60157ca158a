import { FirebaseError } from 'firebase/app';

const AUTH_MESSAGES: Readonly<Record<string, string>> = {
  'auth/invalid-credential': 'That email and password don’t match an account. Check them and try again.',
  'auth/invalid-login-credentials': 'That email and password don’t match an account. Check them and try again.',
  'auth/wrong-password': 'That email and password don’t match an account. Check them and try again.',
  'auth/user-not-found': 'That email and password don’t match an account. Check them and try again.',
  'auth/invalid-email': 'That doesn’t look like an email address. Check it and try again.',
  'auth/missing-email': 'Enter your email address.',
  'auth/missing-password': 'Enter your password.',
  'auth/email-already-in-use': 'There’s already an account with that email. Sign in instead, or use another email.',
  'auth/weak-password': 'That password is too easy to guess. Use at least 6 characters.',
  'auth/too-many-requests': 'Too many attempts in a row. Wait a minute, then try again.',
  'auth/network-request-failed': 'We couldn’t reach the server. Check your connection and try again.',
  'auth/popup-closed-by-user': 'The Google sign-in window was closed before you finished. Try again when you’re ready.',
  'auth/cancelled-popup-request': 'The Google sign-in window was closed before you finished. Try again when you’re ready.',
  'auth/popup-blocked': 'Your browser blocked the Google sign-in window. Allow pop-ups for this site and try again.',
  'auth/account-exists-with-different-credential':
    'An account with this email already exists. Sign in with your email and password instead.',
  'auth/user-disabled': 'This account has been turned off. Contact support if you think this is a mistake.',
  'auth/operation-not-allowed': 'This way of signing in isn’t available right now. Try another one.',
  'auth/unauthorized-domain': 'Sign-in isn’t allowed from this web address.',
  'auth/internal-error': 'Something went wrong on our side. Try again in a moment.',
  'auth/requires-recent-login': 'For your security, sign in again and then retry.',
};

const GENERIC = 'Something went wrong. Try again in a moment.';

/** A plain-words sentence for an error thrown by Firebase Auth (or anything else). */
export function authErrorMessage(error: unknown): string {
  if (error instanceof FirebaseError) {
    return AUTH_MESSAGES[error.code] ?? GENERIC;
  }
  return GENERIC;
}
