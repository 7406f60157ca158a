import { describe, expect, it } from 'vitest';
import { INITIAL_PRACTICE, practiceReducer, type PracticeAction, type PracticeState } from '../../src/features/practice/practiceState';

const run = (actions: PracticeAction[], from: PracticeState = INITIAL_PRACTICE) => actions.reduce(practiceReducer, from);
const NO_MATCH = { title: 'No match found', message: 'Nobody was free.' };

describe('the Practice page state', () => {
  it('a failed join keeps its words until the preferences change; a new join clears them', () => {
    const failed = run([{ type: 'join-started' }, { type: 'join-failed', message: 'Offline.' }, { type: 'join-settled' }]);
    expect(failed).toMatchObject({ joining: false, joinError: 'Offline.' });
    expect(run([{ type: 'prefs-changed' }], failed).joinError).toBeNull();
    expect(run([{ type: 'join-started' }], failed)).toMatchObject({ joining: true, joinError: null });
  });

  it('cancel shows the notice and puts focus on the button; the entry going ends the leave', () => {
    const s = run([{ type: 'cancel-started' }, { type: 'cancelled' }]);
    expect(s).toMatchObject({ leaving: true, notice: 'cancelled', formFocus: 'submit' });
    expect(run([{ type: 'left' }], s).leaving).toBe(false);
  });

  it('the server’s words replace the generic "no match" only while it is shown', () => {
    const words = { title: 'Nobody yet', message: 'Try later.' };
    expect(run([{ type: 'no-match', info: NO_MATCH }, { type: 'no-match-words', info: words }]).noMatch).toEqual(words);
    expect(run([{ type: 'no-match', info: NO_MATCH }, { type: 'widen' }, { type: 'no-match-words', info: words }])).toMatchObject({
      noMatch: null,
      notice: 'widen',
      formFocus: 'first-field',
    });
  });

  it('"Not now" clears the match screen; a failed leave says why and stops leaving', () => {
    const s = run([{ type: 'no-match', info: NO_MATCH }, { type: 'not-now-started' }, { type: 'leave-failed', message: 'Offline.' }]);
    expect(s).toMatchObject({ leaving: false, leaveError: 'Offline.', noMatch: null, formFocus: 'submit' });
  });
});
