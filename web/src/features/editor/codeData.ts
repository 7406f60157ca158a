/**
 * The shared code in Firestore: peerSessions/{sid}/code/snapshot (compacted by a function),
 * codeUpdates/{id} (append-only, written by their author) and codePresence/{uid} (cursors).
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
import { COLLECTIONS, SESSION_SUBCOLLECTIONS as SUB } from '../../lib/data/collections';
import { readConverter } from '../../lib/data/converter';
import { db } from '../../lib/firebase';
import type { CodeStore } from './codeStore';

/** The bytes a code document carries in `field`, or null when it carries none. */
function bytesOf(data: DocumentData, field: 'update' | 'state'): Uint8Array | null {
  const value: unknown = data[field];
  return value instanceof Bytes ? value.toUint8Array() : null;
}

const updateConverter = readConverter((_id, data) => bytesOf(data, 'update'));
const presenceConverter = readConverter((_id, data) => bytesOf(data, 'state'));

const sessionDoc = (sessionId: string) => doc(db, COLLECTIONS.peerSessions, sessionId);
const snapshotRef = (sessionId: string) => doc(sessionDoc(sessionId), SUB.code, 'snapshot').withConverter(updateConverter);
const updatesRef = (sessionId: string) => collection(sessionDoc(sessionId), SUB.codeUpdates);
const presenceRef = (sessionId: string, uid: string) => doc(sessionDoc(sessionId), SUB.codePresence, uid);

/** The session's code store for CodeSync. */
export function firestoreCodeStore(sessionId: string, uid: string, partnerUid: string): CodeStore {
  return {
    watchSnapshot: (fn, onError) => onSnapshot(snapshotRef(sessionId), (s) => fn(s.data() ?? null), onError),
    watchUpdates: (fn, onError) =>
      onSnapshot(
        query(updatesRef(sessionId).withConverter(updateConverter), orderBy('createdAt')),
        (s) =>
          fn(
            s.docChanges().flatMap((c) => {
              const update = c.type === 'added' ? c.doc.data() : null;
              return update ? [{ id: c.doc.id, update }] : [];
            }),
          ),
        onError,
      ),
    newUpdateId: () => doc(updatesRef(sessionId)).id,
    writeUpdate: (id, update) =>
      // `bytes` lets the server sum a minute's volume against the budget without reading the updates.
      setDoc(doc(updatesRef(sessionId), id), {
        author: uid,
        update: Bytes.fromUint8Array(update),
        bytes: update.byteLength,
        createdAt: serverTimestamp(),
      }),
    watchPartnerPresence: (fn) =>
      onSnapshot(
        presenceRef(sessionId, partnerUid).withConverter(presenceConverter),
        (s) => {
          const state = s.data();
          if (state) fn(state);
        },
        () => undefined, // cursors are a nicety: the editor works without them
      ),
    writePresence: (state) =>
      setDoc(presenceRef(sessionId, uid), { uid, state: Bytes.fromUint8Array(state), updatedAt: serverTimestamp() }),
  };
}

/** The stored code of a session, for the read-only view: the snapshot and every update in order. */
export async function readStoredCode(sessionId: string): Promise<{ snapshot: Uint8Array | null; updates: Uint8Array[] }> {
  // Updates first, then the snapshot: a compaction in between only moves updates into the snapshot.
  const updates = await getDocs(query(updatesRef(sessionId).withConverter(updateConverter), orderBy('createdAt')));
  const snap = await getDoc(snapshotRef(sessionId));
  return { snapshot: snap.data() ?? null, updates: updates.docs.map((d) => d.data()).filter((u): u is Uint8Array => u !== null) };
}
