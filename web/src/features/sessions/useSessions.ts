import { useEffect, useState } from 'react';
import { FirebaseError } from 'firebase/app';
import { onSnapshot } from 'firebase/firestore';
import type { PeerSession, SessionFeedback, UserStats } from '../../types/models';
import { feedbackRef } from '../../lib/data/feedback';
import { mySessionsQuery } from '../../lib/data/peerSessions';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { userStatsRef } from './sessionsData';

export const SESSIONS_PAGE_SIZE = 50;

export interface SessionsState {
  loading: boolean;
  sessions: PeerSession[];
  /** Plain words when the list couldn't be read. */
  error: string | null;
}

/** The user's sessions, newest first (the last 50), kept live. `retryKey` restarts the listener. */
export function useMySessions(uid: string, retryKey: number): SessionsState {
  const [state, setState] = useState<SessionsState>({ loading: true, sessions: [], error: null });

  useEffect(() => {
    setState((prev) => ({ ...prev, loading: true, error: null }));
    return onSnapshot(
      mySessionsQuery(uid, SESSIONS_PAGE_SIZE),
      (snapshot) => {
        const sessions = snapshot.docs
          .map((d) => d.data({ serverTimestamps: 'estimate' }))
          .filter((s): s is PeerSession => s !== null);
        setState({ loading: false, sessions, error: null });
      },
      (error) => setState((prev) => ({ ...prev, loading: false, error: firestoreErrorMessage(error) })),
    );
  }, [uid, retryKey]);

  return state;
}

export interface UserStatsState {
  loading: boolean;
  /** Null until the first session has been counted (the document doesn't exist yet). */
  stats: UserStats | null;
  error: string | null;
}

/** userStats/{uid}, kept live. */
export function useUserStats(uid: string): UserStatsState {
  const [state, setState] = useState<UserStatsState>({ loading: true, stats: null, error: null });

  useEffect(() => {
    setState({ loading: true, stats: null, error: null });
    return onSnapshot(
      userStatsRef(uid),
      (snapshot) => {
        setState({ loading: false, stats: snapshot.data({ serverTimestamps: 'estimate' }) ?? null, error: null });
      },
      (error) => setState({ loading: false, stats: null, error: firestoreErrorMessage(error) }),
    );
  }, [uid]);

  return state;
}

export type ReceivedFeedbackState =
  | { kind: 'hidden' }
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'ok'; feedback: SessionFeedback }
  | { kind: 'error'; message: string };

/**
 * The partner's feedback about the user. Not even asked for before the session says it's revealed
 * (the rules would refuse): until then it stays hidden. `partnerSent` is false when the session's
 * feedbackSubmitted list says the partner never sent any (nothing to read), null when it doesn't say.
 */
export function useReceivedFeedback(
  sessionId: string,
  partnerUid: string,
  revealed: boolean,
  partnerSent: boolean | null,
): ReceivedFeedbackState {
  const [state, setState] = useState<{ key: string; value: ReceivedFeedbackState }>({ key: '', value: { kind: 'loading' } });
  const key = `${sessionId}/${partnerUid}`;
  const read = revealed && Boolean(partnerUid) && partnerSent !== false;

  useEffect(() => {
    if (!read) return;
    return onSnapshot(
      feedbackRef(sessionId, partnerUid),
      (snapshot) => {
        const feedback = snapshot.data({ serverTimestamps: 'estimate' }) ?? null;
        setState({ key, value: feedback ? { kind: 'ok', feedback } : { kind: 'none' } });
      },
      (error) => {
        // Once revealed, the rules refuse only a document that isn't there: the partner sent none.
        const refused = error instanceof FirebaseError && error.code === 'permission-denied';
        setState({ key, value: refused ? { kind: 'none' } : { kind: 'error', message: firestoreErrorMessage(error) } });
      },
    );
  }, [sessionId, partnerUid, read, key]);

  if (!revealed || !partnerUid) return { kind: 'hidden' };
  if (partnerSent === false) return { kind: 'none' };
  return state.key === key ? state.value : { kind: 'loading' };
}
