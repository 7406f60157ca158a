import { useEffect, useRef, useState } from 'react';
import { onSnapshot } from 'firebase/firestore';
import type { MatchingQueueEntry, MatchingStatusResponse } from '../../types/models';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { toQueueEntry } from './matchingDocs';
import { fetchMatchingStatus, queueEntryRef } from './matchingQueue';

// ---------------------------------------------------------------------------
// matchingQueue/{uid}
// ---------------------------------------------------------------------------

export interface QueueEntryState {
  /** True until the first snapshot (or error) arrives. */
  loading: boolean;
  entry: MatchingQueueEntry | null;
  /** True while this browser's own write has not reached the server yet. */
  pending: boolean;
  /**
   * Server clock minus this browser's clock (plus half a round trip), learnt when our own join is
   * confirmed; 0 until then. Keeps the elapsed time honest on a skewed clock.
   */
  clockOffsetMs: number;
  /** Plain words when the listener failed. */
  error: string | null;
}

const INITIAL_QUEUE: QueueEntryState = { loading: true, entry: null, pending: false, clockOffsetMs: 0, error: null };

/**
 * Listens to the user's own queue entry. `onVanished` is called when an entry that the server had
 * confirmed as waiting disappears (the user cancelled, or the server gave up: the caller decides).
 */
export function useQueueEntry(
  uid: string,
  listenKey: number,
  onVanished: (previous: MatchingQueueEntry) => void,
): QueueEntryState {
  const [state, setState] = useState<QueueEntryState>(INITIAL_QUEUE);
  const vanishedRef = useRef(onVanished);
  useEffect(() => {
    vanishedRef.current = onVanished;
  }, [onVanished]);

  useEffect(() => {
    setState(INITIAL_QUEUE);
    let previous: { entry: MatchingQueueEntry | null; pending: boolean } | null = null;
    let clockOffsetMs = 0;
    return onSnapshot(
      queueEntryRef(uid),
      { includeMetadataChanges: true },
      (snapshot) => {
        // Until the server has set joinedAt, 'estimate' gives this browser's time of the write.
        const entry = toQueueEntry(uid, snapshot.data({ serverTimestamps: 'estimate' }));
        const pending = snapshot.metadata.hasPendingWrites;
        const before = previous?.entry ?? null;

        if (before?.status === 'waiting' && previous?.pending && entry?.status === 'waiting' && !pending) {
          const estimate = before.joinedAt?.toMillis();
          const actual = entry.joinedAt?.toMillis();
          if (estimate !== undefined && actual !== undefined) clockOffsetMs = actual - estimate;
        }
        if (before?.status === 'waiting' && !previous?.pending && !entry) vanishedRef.current(before);

        previous = { entry, pending };
        setState({ loading: false, entry, pending, clockOffsetMs, error: null });
      },
      (error) => {
        setState((prev) => ({ ...prev, loading: false, error: firestoreErrorMessage(error) }));
      },
    );
  }, [uid, listenKey]);

  return state;
}

// ---------------------------------------------------------------------------
// matchingStatus, polled while waiting
// ---------------------------------------------------------------------------

const STATUS_POLL_MS = 5000;

export interface WaitingCountState {
  /** Others waiting who could really be your partner now; null until the server has answered. */
  count: number | null;
  /** The server's whole answer (widen, median wait, role offer), once there is one. */
  status: MatchingStatusResponse | null;
  /** The last attempt failed (the last known count, if any, is kept). */
  failed: boolean;
}

const NO_COUNT: WaitingCountState = { count: null, status: null, failed: false };

/** Asks `matchingStatus` now and every 5 s while `active`; never makes a number up. */
/** `refreshKey`: a change asks again at once (e.g. the entry's first role). */
export function useWaitingCount(active: boolean, refreshKey = ''): WaitingCountState {
  const [state, setState] = useState<WaitingCountState>(NO_COUNT);

  useEffect(() => {
    setState(NO_COUNT);
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const result = await fetchMatchingStatus();
        // 'none' or 'matched': the entry just changed; the queue listener will show what's next.
        if (!stopped && result.status === 'waiting')
          setState({ count: result.waitingCompatible, status: result, failed: false });
      } catch {
        if (!stopped) setState((prev) => ({ ...prev, failed: true }));
      }
      if (!stopped) timer = setTimeout(() => void poll(), STATUS_POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [active, refreshKey]);

  return state;
}
