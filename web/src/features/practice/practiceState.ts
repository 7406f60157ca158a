/**
 * What the Practice page itself remembers between the queue entry's snapshots: a join or a leave under
 * way and how it ended, the "no match" words, the notice above the form and where focus goes next.
 * One reducer, so that each user action is one transition (the entry itself comes from its listener).
 */
import type { FormFocus } from './MatchForm';
import type { NoMatchInfo } from './NoMatchPanel';

type Notice = 'cancelled' | 'widen' | null;

export interface PracticeState {
  joining: boolean;
  joinError: string | null;
  leaving: boolean;
  leaveError: string | null;
  noMatch: NoMatchInfo | null;
  notice: Notice;
  formFocus: FormFocus;
}

export type PracticeAction =
  | { type: 'join-started' }
  | { type: 'joined' }
  | { type: 'join-failed'; message: string }
  | { type: 'join-settled' }
  | { type: 'cancel-started' }
  | { type: 'cancelled' }
  | { type: 'not-now-started' }
  | { type: 'leave-failed'; message: string }
  /** The entry has gone (or the cancel found it matched): nothing is being left any more. */
  | { type: 'left' }
  /** The server gave up (or the page did): show `info`. */
  | { type: 'no-match'; info: NoMatchInfo }
  /** The server's own words for the "no match" already shown (ignored once it is dismissed). */
  | { type: 'no-match-words'; info: NoMatchInfo }
  | { type: 'widen' }
  | { type: 'prefs-changed' };

export const INITIAL_PRACTICE: PracticeState = {
  joining: false,
  joinError: null,
  leaving: false,
  leaveError: null,
  noMatch: null,
  notice: null,
  formFocus: null,
};

export function practiceReducer(state: PracticeState, action: PracticeAction): PracticeState {
  switch (action.type) {
    case 'join-started':
      return { ...state, joining: true, joinError: null, leaveError: null };
    case 'joined':
      return { ...state, noMatch: null, notice: null };
    case 'join-failed':
      return { ...state, joinError: action.message };
    case 'join-settled':
      return { ...state, joining: false };
    case 'cancel-started':
      return { ...state, leaving: true, leaveError: null };
    case 'cancelled':
      return { ...state, notice: 'cancelled', formFocus: 'submit' };
    case 'not-now-started':
      return { ...state, leaving: true, leaveError: null, noMatch: null, notice: null, formFocus: 'submit' };
    case 'leave-failed':
      return { ...state, leaveError: action.message, leaving: false };
    case 'left':
      return state.leaving ? { ...state, leaving: false } : state;
    case 'no-match':
      return { ...state, noMatch: action.info };
    case 'no-match-words':
      return state.noMatch ? { ...state, noMatch: action.info } : state;
    case 'widen':
      return { ...state, noMatch: null, joinError: null, notice: 'widen', formFocus: 'first-field' };
    case 'prefs-changed':
      return state.joinError ? { ...state, joinError: null } : state;
  }
}
