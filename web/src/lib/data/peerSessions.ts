/**
 * peerSessions/{sessionId}: the one reader of the session document, shared by every feature that shows a
 * session (practice, room, sessions, editor). The functions write it; clients only read it.
 */
import { useEffect, useState } from 'react';
import { FirebaseError } from 'firebase/app';
import {
  collection,
  doc,
  limit,
  onSnapshot,
  orderBy,
  query,
  where,
  type DocumentData,
  type DocumentReference,
  type FirestoreError,
  type Query,
  type Unsubscribe,
} from 'firebase/firestore';
import { db } from '../firebase';
import { firestoreErrorMessage } from '../firestoreErrors';
import type { PeerSession } from '../../types/models';
import { COLLECTIONS } from './collections';
import { readConverter } from './converter';
import { toPeerSession } from './peerSessionDoc';

const peerSessionConverter = readConverter(toPeerSession);

/** The session document, read through toPeerSession. */
function peerSessionRef(sessionId: string): DocumentReference<PeerSession | null, DocumentData> {
  return doc(db, COLLECTIONS.peerSessions, sessionId).withConverter(peerSessionConverter);
}

/** A person's sessions, newest first, at most `max` (the rules let each read only their own). */
export function mySessionsQuery(uid: string, max: number): Query<PeerSession | null, DocumentData> {
  return query(
    collection(db, COLLECTIONS.peerSessions).withConverter(peerSessionConverter),
    where('participantIds', 'array-contains', uid),
    orderBy('createdAt', 'desc'),
    limit(max),
  );
}

export interface PeerSessionState {
  loading: boolean;
  session: PeerSession | null;
  /** The session does not exist or is not ours (the rules answer both with permission-denied). */
  missing: boolean;
  /** Plain words for any other failure. */
  error: string | null;
}

const IDLE_SESSION: PeerSessionState = { loading: false, session: null, missing: false, error: null };
const LOADING_SESSION: PeerSessionState = { ...IDLE_SESSION, loading: true };

/** Follows one session document: the checked session (null when the document is gone), or the error. */
export function watchPeerSession(
  sessionId: string,
  onSession: (session: PeerSession | null) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(peerSessionRef(sessionId), (snap) => onSession(snap.data() ?? null), onError);
}

/** Follows one session; a null id is idle. */
export function usePeerSession(sessionId: string | null): PeerSessionState {
  // Tagged with the session it describes, so a new id never shows the previous answer.
  const [state, setState] = useState<{ sessionId: string | null; value: PeerSessionState }>({
    sessionId: null,
    value: IDLE_SESSION,
  });

  useEffect(() => {
    if (!sessionId) return;
    return onSnapshot(
      peerSessionRef(sessionId),
      (snapshot) => {
        const session = snapshot.data({ serverTimestamps: 'estimate' }) ?? null;
        setState({ sessionId, value: { loading: false, session, missing: !session, error: null } });
      },
      (error) => {
        const missing =
          error instanceof FirebaseError && (error.code === 'permission-denied' || error.code === 'not-found');
        setState({
          sessionId,
          value: { loading: false, session: null, missing, error: missing ? null : firestoreErrorMessage(error) },
        });
      },
    );
  }, [sessionId]);

  if (!sessionId) return IDLE_SESSION;
  return state.sessionId === sessionId ? state.value : LOADING_SESSION;
}
