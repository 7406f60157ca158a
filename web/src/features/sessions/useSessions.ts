import { useEffect, useState } from 'react';
import { FirebaseError } from 'firebase/app';
import { collection, doc, limit, onSnapshot, orderBy, query, where } from 'firebase/firestore';
import { db } from '../../lib/firebase';
import type { PeerSession, SessionFeedback, UserStats } from '../../types/models';
import { toPeerSession } from '../practice/matchingDocs';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { feedbackRef, toFeedback } from '../room/feedback';
import { toUserStats } from './sessionDocs';

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
    const q = query(
      collection(db, 'peerSessions'),
      where('participantIds', 'array-contains', uid),
      orderBy('createdAt', 'desc'),
      limit(SESSIONS_PAGE_SIZE),
    );
    return onSnapshot(
      q,
      (snapshot) => {
        const sessions = snapshot.docs.map((d) => toPeerSession(d.id, d.data({ serverTimestamps: 'estimate' })));
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
      doc(db, 'userStats', uid),
      (snapshot) => {
        const data = snapshot.data({ serverTimestamps: 'estimate' });
        setState({ loading: false, stats: data ? toUserStats(data) : null, error: null });
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
        const feedback = snapshot.exists() ? toFeedback(snapshot.data({ serverTimestamps: 'estimate' })) : null;
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
