/**
 * Where a shared document (the code, the whiteboard) is kept between the two participants, as DocSync
 * sees it: a compacted snapshot, append-only updates and each person's cursor. DocSync knows nothing else
 * of the transport: docData.ts keeps it in Firestore, the unit tests in memory.
 */
export interface StoreError {
  code?: string;
}

export interface DocStore {
  /** The compacted snapshot (null: none yet), now and whenever it changes. */
  watchSnapshot(fn: (snapshot: Uint8Array | null) => void, onError: (err: StoreError) => void): () => void;
  /** The update documents added since the last call, oldest first (the first call: all of them). */
  watchUpdates(fn: (added: { id: string; update: Uint8Array }[]) => void, onError: (err: StoreError) => void): () => void;
  /** An id for the next update, known before it is written so that its echo can be recognised. */
  newUpdateId(): string;
  /** Appends one update (its size is written with it, for the server's budgets). */
  writeUpdate(id: string, update: Uint8Array): Promise<void>;
  /** The partner's cursor state, whenever it changes. */
  watchPartnerPresence(fn: (state: Uint8Array) => void): () => void;
  /** This person's cursor state. */
  writePresence(state: Uint8Array): Promise<void>;
}
