import { FirebaseError } from 'firebase/app';

/**
 * The sentence a callable function refused with (functions/main.py turns every DomainError into the
 * error the client sees, with words written for the person), or a plain fallback for anything else.
 */
export function callableErrorMessage(error: unknown): string {
  if (error instanceof FirebaseError && error.code.startsWith('functions/')) {
    const code = error.code.slice('functions/'.length);
    if (code === 'internal' || code === 'unknown') return 'Something went wrong on our side. Try again in a moment.';
    if (code === 'unavailable' || code === 'deadline-exceeded')
      return 'We couldn’t reach the server. Check your connection and try again.';
    // The SDK appends the HTTP status (" [400]"): the person needs only the sentence.
    const sentence = error.message.replace(/\s*\[\d{3}\]$/, '');
    if (sentence) return sentence;
  }
  return 'Something went wrong. Try again in a moment.';
}
