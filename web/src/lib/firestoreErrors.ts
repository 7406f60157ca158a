import { FirebaseError } from 'firebase/app';

const MESSAGES: Readonly<Record<string, string>> = {
  'permission-denied': 'You don’t have permission to do that. Try signing out and back in.',
  unauthenticated: 'Your session has ended. Sign in again to continue.',
  'not-found': 'Your profile isn’t ready yet. Give it a moment and try again.',
  unavailable: 'We couldn’t reach the server. Check your connection and try again.',
  'deadline-exceeded': 'The server took too long to answer. Try again.',
  'invalid-argument': 'Some of the details weren’t accepted. Check the fields and try again.',
  'failed-precondition': 'Some of the details weren’t accepted. Check the fields and try again.',
  'resource-exhausted': 'Too many changes in a short time. Wait a moment, then try again.',
};

/** A plain-words sentence for a Firestore error. */
export function firestoreErrorMessage(error: unknown): string {
  if (error instanceof FirebaseError) {
    return MESSAGES[error.code] ?? 'Something went wrong. Try again in a moment.';
  }
  return 'Something went wrong. Try again in a moment.';
}
