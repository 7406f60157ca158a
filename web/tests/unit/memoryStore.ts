/**
 * Stand-ins for a shared document's transports in the unit tests: an in-memory store (what Firestore keeps)
 * and a pair of links (the call's data channel).
 */
import type { DocStore, StoreError } from '../../src/lib/docSync/store';
import type { PeerLink } from '../../src/lib/peerLink';

/** What the server keeps: the snapshot, the updates in order, each person's cursor. Delivers asynchronously, like Firestore. */
export class MemoryServer {
  snapshot: Uint8Array | null = null;
  updates: { id: string; update: Uint8Array }[] = [];
  presence = new Map<string, Uint8Array>();
  private updateWatchers = new Set<(added: { id: string; update: Uint8Array }[]) => void>();
  private presenceWatchers = new Set<{ uid: string; fn: (s: Uint8Array) => void }>();
  private nextId = 0;
  /** Writes to refuse before accepting again (a flaky network). */
  failNext = 0;
  /** Refuse every write as the rules would (a budget hold, an ended session) while set. */
  refuse = false;
  /** Writes refused so far (while `refuse` was set). */
  refusedWrites = 0;

  storeFor(uid: string, partnerUid: string): DocStore {
    return {
      watchSnapshot: (fn) => {
        queueMicrotask(() => fn(this.snapshot));
        return () => undefined;
      },
      watchUpdates: (fn) => {
        const all = [...this.updates];
        queueMicrotask(() => fn(all));
        this.updateWatchers.add(fn);
        return () => this.updateWatchers.delete(fn);
      },
      newUpdateId: () => `u${this.nextId++}`,
      writeUpdate: async (id, update) => {
        await Promise.resolve();
        if (this.refuse) {
          this.refusedWrites++;
          throw Object.assign(new Error('refused'), { code: 'permission-denied' } satisfies StoreError);
        }
        if (this.failNext > 0) {
          this.failNext--;
          throw Object.assign(new Error('unavailable'), { code: 'unavailable' } satisfies StoreError);
        }
        const added = [{ id, update }];
        this.updates.push(...added);
        this.updateWatchers.forEach((fn) => queueMicrotask(() => fn(added)));
      },
      watchPartnerPresence: (fn) => {
        const w = { uid: partnerUid, fn };
        this.presenceWatchers.add(w);
        return () => this.presenceWatchers.delete(w);
      },
      writePresence: (state) => {
        this.presence.set(uid, state);
        this.presenceWatchers.forEach((w) => w.uid === uid && w.fn(state));
        return Promise.resolve();
      },
    };
  }
}

/** A pair of connected links, like the call's data channel (JSON messages, asynchronous). */
export function linkPair(): [PeerLink, PeerLink] {
  const make = (): PeerLink & { peer?: PeerLink & { deliver(d: unknown): void }; deliver(d: unknown): void } => {
    const fns = new Set<(d: unknown) => void>();
    return {
      isOpen: () => true,
      send(data) {
        const copy: unknown = JSON.parse(JSON.stringify(data));
        setTimeout(() => this.peer?.deliver(copy), 1);
        return true;
      },
      onData: (fn) => {
        fns.add(fn);
        return () => fns.delete(fn);
      },
      onOpenChange: () => () => undefined,
      deliver: (d) => fns.forEach((fn) => fn(d)),
    };
  };
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
