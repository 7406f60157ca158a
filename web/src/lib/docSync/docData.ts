/**
 * A shared document in Firestore, for each kind (the code, the whiteboard): peerSessions/{sid}/{kind}/snapshot
 * (compacted by a timer function), {kind}Updates/{id} (append-only, written by their author) and
 * {kind}Presence/{uid} (cursors and pointers).
 */
import {
  Bytes,
  collection,
  doc,
  getDoc,
  getDocs,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  type DocumentData,
} from 'firebase/firestore';
import { COLLECTIONS, SESSION_SUBCOLLECTIONS as SUB } from '../data/collections';
import { readConverter } from '../data/converter';
import { db } from '../firebase';
import type { DocStore } from './store';

/** The shared documents a session has, and their three collections each. */
export type DocKind = 'code' | 'board';

const PATHS: Record<DocKind, { snapshot: string; updates: string; presence: string }> = {
  code: { snapshot: SUB.code, updates: SUB.codeUpdates, presence: SUB.codePresence },
  board: { snapshot: SUB.board, updates: SUB.boardUpdates, presence: SUB.boardPresence },
};

/** The bytes a document carries in `field`, or null when it carries none. */
function bytesOf(data: DocumentData, field: 'update' | 'state'): Uint8Array | null {
  const value: unknown = data[field];
  return value instanceof Bytes ? value.toUint8Array() : null;
}

const updateConverter = readConverter((_id, data) => bytesOf(data, 'update'));
const presenceConverter = readConverter((_id, data) => bytesOf(data, 'state'));

const sessionDoc = (sessionId: string) => doc(db, COLLECTIONS.peerSessions, sessionId);
const snapshotRef = (kind: DocKind, sessionId: string) =>
  doc(sessionDoc(sessionId), PATHS[kind].snapshot, 'snapshot').withConverter(updateConverter);
const updatesRef = (kind: DocKind, sessionId: string) => collection(sessionDoc(sessionId), PATHS[kind].updates);
const presenceRef = (kind: DocKind, sessionId: string, uid: string) => doc(sessionDoc(sessionId), PATHS[kind].presence, uid);

/** The session's store of one shared document, for DocSync. */
export function firestoreDocStore(kind: DocKind, sessionId: string, uid: string, partnerUid: string): DocStore {
  return {
    watchSnapshot: (fn, onError) => onSnapshot(snapshotRef(kind, sessionId), (s) => fn(s.data() ?? null), onError),
    watchUpdates: (fn, onError) =>
      onSnapshot(
        query(updatesRef(kind, sessionId).withConverter(updateConverter), orderBy('createdAt')),
        (s) =>
          fn(
            s.docChanges().flatMap((c) => {
              const update = c.type === 'added' ? c.doc.data() : null;
              return update ? [{ id: c.doc.id, update }] : [];
            }),
          ),
        onError,
      ),
    newUpdateId: () => doc(updatesRef(kind, sessionId)).id,
    writeUpdate: (id, update) =>
      // `bytes` lets the server sum a minute's volume against the budget without reading the updates.
      setDoc(doc(updatesRef(kind, sessionId), id), {
        author: uid,
        update: Bytes.fromUint8Array(update),
        bytes: update.byteLength,
        createdAt: serverTimestamp(),
      }),
    watchPartnerPresence: (fn) =>
      onSnapshot(
        presenceRef(kind, sessionId, partnerUid).withConverter(presenceConverter),
        (s) => {
          const state = s.data();
          if (state) fn(state);
        },
        () => undefined, // cursors are a nicety: the document works without them
      ),
    writePresence: (state) =>
      setDoc(presenceRef(kind, sessionId, uid), { uid, state: Bytes.fromUint8Array(state), updatedAt: serverTimestamp() }),
  };
}

/** A session's stored document, for read-only views: the snapshot and every update in order. */
export async function readStoredDoc(kind: DocKind, sessionId: string): Promise<{ snapshot: Uint8Array | null; updates: Uint8Array[] }> {
  // Updates first, then the snapshot: a compaction in between only moves updates into the snapshot.
  const updates = await getDocs(query(updatesRef(kind, sessionId).withConverter(updateConverter), orderBy('createdAt')));
  const snap = await getDoc(snapshotRef(kind, sessionId));
  return { snapshot: snap.data() ?? null, updates: updates.docs.map((d) => d.data()).filter((u): u is Uint8Array => u !== null) };
}
