/**
 * A shared Yjs document of a session (the code editor's, the whiteboard's) kept in step between the two
 * participants. One engine for every such document; each feature builds its own Yjs roots on `doc`.
 *
 * - Live path: y-protocols sync and awareness messages over the room's WebRTC data channel, when open,
 *   tagged with the document's name so several documents share one channel.
 * - Persistence (and the live path when the channel is closed): append-only updates in a DocStore
 *   (docData.ts: peerSessions/{sid}/{kind}Updates in Firestore; in memory in the unit tests), written by
 *   their author. While the channel is open a client writes at most about once a second; without it the
 *   first change goes out at once and the rest coalesce for about 100 ms, so edits stay live over
 *   Firestore alone.
 * - Loading: the compacted snapshot (written by a timer function) plus every update document. Applying a
 *   Yjs update twice is a no-op, so overlaps between the snapshot and the updates (a compaction in flight)
 *   never double anything.
 * - Cursors: Yjs awareness over the channel; without it each participant writes only their own presence
 *   document (never one shared array).
 * - Budgets: each update states its size (`bytes`) so the server can sum a minute's volume; while the
 *   server holds this person for going over a budget (or the document is full), nothing is written and
 *   the edits wait (setHold).
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { fromBase64, toBase64 } from 'lib0/buffer';
import type { PeerLink } from '../peerLink';
import type { DocStore, StoreError } from './store';

type SaveState = 'loading' | 'saved' | 'saving' | 'retrying' | 'closed';

export interface DocSyncSnapshot {
  loaded: boolean;
  save: SaveState;
  /** A plain sentence when something needs the person's attention. */
  error: string | null;
  linkOpen: boolean;
}

export interface DocUser {
  name: string;
  color: string;
  colorLight: string;
}

/** What a document is called on the wire, how large its writes may be, and the sentences people see. */
export interface DocSyncOptions<Extra extends object> {
  store: DocStore;
  uid: string;
  user: DocUser;
  /** Tags this document's data-channel messages ('code', 'board'). */
  name: string;
  /** The rules' caps: one update document's payload, one presence state. */
  maxUpdateBytes: number;
  maxPresenceBytes: number;
  /** What this document's snapshot carries beyond the engine's own fields, at first. */
  extra: Extra;
  words: DocWords;
}

export interface DocWords {
  tooLarge: string;
  retrying: string;
  closed: string;
  unavailable: string;
  lost: string;
}

/** Data-channel envelope: the channel carries JSON, so the Yjs bytes travel base64-encoded. */
interface WireMessage {
  t: 'yjs';
  /** The document's name (DocSyncOptions.name). */
  n: string;
  /** 0 sync, 1 awareness. */
  k: 0 | 1;
  d: string;
}

const MSG_SYNC = 0;
const MSG_AWARENESS = 1;
const ORIGIN_LINK = 'peer-link';
const ORIGIN_STORE = 'firestore';
const LIVE_BATCH_MS = 100;
const LINKED_BATCH_MS = 1000;
const PRESENCE_THROTTLE_MS = 300;
/** Update writes under way at once over Firestore (each carries what accumulated over LIVE_BATCH_MS). */
const MAX_IN_FLIGHT = 3;

function isWire(v: unknown, name: string): v is WireMessage {
  const m = v as Partial<WireMessage> | null;
  return !!m && m.t === 'yjs' && m.n === name && (m.k === 0 || m.k === 1) && typeof m.d === 'string';
}

export class DocSync<Extra extends object = object> {
  readonly doc = new Y.Doc();
  readonly awareness: awarenessProtocol.Awareness;

  private readonly store: DocStore;
  private readonly name: string;
  private readonly limits: { update: number; presence: number };
  private readonly words: DocWords;
  private link: PeerLink | null = null;
  private unsubs: (() => void)[] = [];
  private linkUnsubs: (() => void)[] = [];
  private listeners = new Set<(s: DocSyncSnapshot & Extra) => void>();
  private snap: DocSyncSnapshot & Extra;
  private loadedParts = { snapshot: false, updates: false };

  private pending: Uint8Array[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private inFlight = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastWriteAt = 0;
  private retryDelay = 500;
  /** Update documents this page wrote: their echo in the listener needs no work. */
  private written = new Set<string>();
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private lastPresenceAt = 0;
  private holdUntil: number | null = null;
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set while a refusal waits to be explained by a hold (or read as the session's end). */
  private refusalTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(opts: DocSyncOptions<Extra>) {
    this.store = opts.store;
    this.name = opts.name;
    this.limits = { update: opts.maxUpdateBytes, presence: opts.maxPresenceBytes };
    this.words = opts.words;
    this.snap = { loaded: false, save: 'loading', error: null, linkOpen: false, ...opts.extra };
    this.awareness = new awarenessProtocol.Awareness(this.doc);
    this.awareness.setLocalStateField('user', { ...opts.user, uid: opts.uid });
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  start(): void {
    this.unsubs.push(
      this.store.watchSnapshot(
        (snapshot) => {
          if (snapshot) Y.applyUpdate(this.doc, snapshot, ORIGIN_STORE);
          this.partLoaded('snapshot');
        },
        (err) => this.listenerFailed(err),
      ),
      this.store.watchUpdates(
        (added) => {
          // One transaction for the whole batch: the view re-renders once, not once per document.
          const fresh = added.filter((a) => !this.written.has(a.id));
          if (fresh.length) {
            this.doc.transact(() => {
              for (const a of fresh) Y.applyUpdate(this.doc, a.update, ORIGIN_STORE);
            }, ORIGIN_STORE);
          }
          this.partLoaded('updates');
        },
        (err) => this.listenerFailed(err),
      ),
      this.store.watchPartnerPresence((state) => {
        if (!this.snap.linkOpen) awarenessProtocol.applyAwarenessUpdate(this.awareness, state, ORIGIN_STORE);
      }),
    );
    if (typeof window !== 'undefined') {
      const flushNow = () => void this.flush(true);
      window.addEventListener('pagehide', flushNow);
      this.unsubs.push(() => window.removeEventListener('pagehide', flushNow));
    }
  }

  /** Attach (or detach with null) the data channel to the partner. */
  setLink(link: PeerLink | null): void {
    this.linkUnsubs.forEach((u) => u());
    this.linkUnsubs = [];
    this.link = link;
    if (!link) {
      this.update({ linkOpen: false });
      return;
    }
    this.linkUnsubs.push(
      link.onData((data) => {
        if (isWire(data, this.name)) this.onWire(data);
      }),
      link.onOpenChange((open) => {
        const was = this.snap.linkOpen;
        this.update({ linkOpen: open });
        if (open && !was) this.greet();
        if (!open && was) this.removePartnerCursor();
      }),
    );
    if (link.isOpen()) {
      this.update({ linkOpen: true });
      this.greet();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.flush(true);
    this.unsubs.forEach((u) => u());
    this.linkUnsubs.forEach((u) => u());
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.refusalTimer) clearTimeout(this.refusalTimer);
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'stop');
    this.awareness.destroy();
    this.doc.destroy();
  }

  subscribe(fn: (s: DocSyncSnapshot & Extra) => void): () => void {
    this.listeners.add(fn);
    fn(this.snap);
    return () => this.listeners.delete(fn);
  }

  get state(): DocSyncSnapshot & Extra {
    return this.snap;
  }

  /** Whether the data channel to the partner is open right now. */
  get linked(): boolean {
    return this.link?.isOpen() ?? false;
  }

  // ---- local changes -> partner and Firestore -------------------------------------------------------

  private onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === ORIGIN_LINK || origin === ORIGIN_STORE) return; // the author persists and relays their own
    if (this.link?.isOpen()) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MSG_SYNC);
      syncProtocol.writeUpdate(e, update);
      this.sendWire(0, encoding.toUint8Array(e));
    }
    this.pending.push(update);
    this.markTyping();
    this.schedule();
  };

  private lastTypingMark = 0;
  private markTyping(): void {
    const now = Date.now();
    if (now - this.lastTypingMark < 400) return;
    this.lastTypingMark = now;
    this.awareness.setLocalStateField('typing', now);
  }

  private schedule(): void {
    if (this.stopped || this.flushTimer || this.inFlight >= MAX_IN_FLIGHT) return;
    if (this.snap.save !== 'retrying' && this.snap.save !== 'closed') this.update({ save: 'saving' });
    const linked = this.link?.isOpen() ?? false;
    const window = linked ? LINKED_BATCH_MS : LIVE_BATCH_MS;
    const since = Date.now() - this.lastWriteAt;
    // Over Firestore alone the first change of a burst goes at once; the rest of the burst coalesces.
    const wait = linked ? window : since >= window ? 0 : window - since;
    if (wait === 0) void this.flush();
    else this.flushTimer = setTimeout(() => void this.flush(), wait);
  }

  /**
   * Write what is pending as one document (or a few, when a merge would exceed the size cap). Up to
   * MAX_IN_FLIGHT writes go without waiting for the one before to be acknowledged: one client's writes
   * reach the server in order, and waiting for each acknowledgement made every change typed meanwhile wait
   * a round trip more (over Firestore alone at ~12 keys a second, p50 1.1 s to the partner on a loaded
   * machine). `all`: also past that limit (leaving the page, stopping).
   */
  async flush(all = false): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if ((this.inFlight >= MAX_IN_FLIGHT && !all) || this.pending.length === 0 || this.snap.save === 'closed') return;
    if (this.holdUntil !== null) {
      this.update({ save: 'retrying' });
      return;
    }
    this.inFlight += 1;
    const batch = this.pending;
    this.pending = [];
    const merged = Y.mergeUpdates(batch);
    const pieces = merged.byteLength <= this.limits.update ? [merged] : batch;
    this.lastWriteAt = Date.now();
    let failed = false;
    try {
      for (const [i, piece] of pieces.entries()) {
        if (piece.byteLength > this.limits.update) {
          // Cannot happen within the editor's own size limit; say so rather than lose it silently.
          this.update({ error: this.words.tooLarge });
          continue;
        }
        const id = this.store.newUpdateId();
        this.written.add(id);
        try {
          await this.store.writeUpdate(id, piece);
        } catch (err) {
          this.written.delete(id);
          // Keep what was not written, ahead of anything typed meanwhile (Yjs merges in any order).
          this.pending = [...pieces.slice(i), ...this.pending];
          throw err;
        }
      }
      this.retryDelay = 500;
      if (this.refusalTimer) {
        // Written after a refusal: it was a hold that has ended, not the session's end.
        clearTimeout(this.refusalTimer);
        this.refusalTimer = null;
      }
    } catch (err) {
      failed = true;
      const code = (err as { code?: string }).code ?? '';
      if (code === 'permission-denied') {
        // Refused: the session ended, or a write budget holds this person (the session document says so
        // and may arrive a moment after the refusal). Held: keep the edits and try again when it ends.
        // 'retrying' stops the refused edits from being rescheduled at once (a write loop), and one
        // timer decides: a stale one firing after the hold has ended would close a live editor.
        this.update({ save: 'retrying', error: null });
        this.refusalTimer ??= setTimeout(() => {
          this.refusalTimer = null;
          this.refused();
        }, 1500);
      } else {
        this.update({ save: 'retrying', error: this.words.retrying });
        if (!this.retryTimer) {
          const delay = this.retryDelay;
          this.retryDelay = Math.min(this.retryDelay * 2, 10_000);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            if (!this.stopped) void this.flush();
          }, delay);
        }
      }
    } finally {
      this.inFlight -= 1;
    }
    if (!failed && !this.isClosed()) {
      this.update({ save: this.pending.length || this.inFlight ? 'saving' : 'saved', error: null });
    }
    // Typed since the write began: schedule it (unless closed or already retrying).
    if (this.pending.length && this.canSchedule()) this.schedule();
  }

  /**
   * A write budget's hold on this person (ms since the epoch; null: none), or Infinity when the session's
   * document is full. While held nothing is written; pending edits go out when the hold ends.
   */
  setHold(untilMs: number | null): void {
    // The refusal came before the session document that says why (a loaded device, a slow listener): it
    // was the hold, not the end of the session, so the edits are kept and go out when the hold ends.
    if (untilMs !== null && this.snap.save === 'closed' && !this.stopped) this.update({ save: 'retrying', error: null });
    this.holdUntil = untilMs;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (untilMs !== null && Number.isFinite(untilMs)) {
      this.holdTimer = setTimeout(() => this.setHold(null), Math.max(0, untilMs - Date.now()) + 1000);
    }
    if (untilMs === null && this.snap.save === 'retrying' && this.pending.length) void this.flush();
  }

  private refused(): void {
    if (this.stopped) return;
    if (this.holdUntil !== null) {
      // Kept: flushed again when the hold ends (setHold(null)).
      this.update({ save: 'retrying', error: null });
      return;
    }
    this.update({ save: 'closed', error: this.words.closed });
  }

  /** Not inlined (this and canSchedule): TypeScript would narrow `save` from the check at the top of flush(), across the awaits. */
  private isClosed(): boolean {
    return this.snap.save === 'closed';
  }

  /** Not inlined: TypeScript would narrow `save` from the check at the top of flush(), across the awaits. */
  private canSchedule(): boolean {
    return this.snap.save !== 'closed' && this.snap.save !== 'retrying';
  }

  // ---- the data channel ----------------------------------------------------------------------------

  private sendWire(k: 0 | 1, bytes: Uint8Array): void {
    this.link?.send({ t: 'yjs', n: this.name, k, d: toBase64(bytes) } satisfies WireMessage);
  }

  /** On a fresh channel: exchange state vectors (each side then sends what the other lacks) and cursors. */
  private greet(): void {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MSG_SYNC);
    syncProtocol.writeSyncStep1(e, this.doc);
    this.sendWire(0, encoding.toUint8Array(e));
    this.sendAwareness([this.doc.clientID]);
  }

  private onWire(msg: WireMessage): void {
    const bytes = fromBase64(msg.d);
    const decoder = decoding.createDecoder(bytes);
    const type = decoding.readVarUint(decoder);
    if (type === MSG_SYNC) {
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, MSG_SYNC);
      syncProtocol.readSyncMessage(decoder, reply, this.doc, ORIGIN_LINK);
      if (encoding.length(reply) > 1) this.sendWire(0, encoding.toUint8Array(reply));
    } else if (type === MSG_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), ORIGIN_LINK);
    }
  }

  // ---- cursors -------------------------------------------------------------------------------------

  private onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    if (origin === ORIGIN_LINK || origin === ORIGIN_STORE) return;
    const mine = [...added, ...updated, ...removed].filter((id) => id === this.doc.clientID);
    if (!mine.length) return;
    if (this.link?.isOpen()) this.sendAwareness(mine);
    else this.schedulePresence();
  };

  private sendAwareness(clients: number[]): void {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MSG_AWARENESS);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    this.sendWire(1, encoding.toUint8Array(e));
  }

  private schedulePresence(): void {
    if (this.presenceTimer || this.stopped) return;
    const wait = Math.max(0, PRESENCE_THROTTLE_MS - (Date.now() - this.lastPresenceAt));
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      if (this.holdUntil !== null) return; // refused while held; the next move after it writes again
      this.lastPresenceAt = Date.now();
      const state = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]);
      if (state.byteLength > this.limits.presence) return;
      void this.store.writePresence(state).catch(() => undefined); // a lost cursor position is harmless; the next move writes again
    }, wait);
  }

  private removePartnerCursor(): void {
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    if (others.length) awarenessProtocol.removeAwarenessStates(this.awareness, others, ORIGIN_LINK);
    this.schedulePresence(); // the partner now learns our cursor from Firestore
  }

  // ---- state ---------------------------------------------------------------------------------------

  private partLoaded(part: 'snapshot' | 'updates'): void {
    if (this.loadedParts[part]) return;
    this.loadedParts[part] = true;
    if (this.loadedParts.snapshot && this.loadedParts.updates) {
      this.update({ loaded: true, save: this.pending.length ? 'saving' : 'saved' });
    }
  }

  private listenerFailed(err: StoreError): void {
    this.update({
      error: err.code === 'permission-denied' ? this.words.unavailable : this.words.lost,
    });
  }

  private update(patch: Partial<DocSyncSnapshot>): void {
    this.apply(patch);
  }

  /** Subclasses add their own fields (the code's language) through here. */
  protected updateExtra(patch: Partial<Extra>): void {
    this.apply(patch);
  }

  /**
   * A new snapshot only when a field changes: every keystroke marks the document "saving", and a new
   * object each time re-rendered the whole workspace on every key.
   */
  private apply(patch: Partial<DocSyncSnapshot> | Partial<Extra>): void {
    const current = this.snap as Record<string, unknown>;
    if (Object.entries(patch).every(([k, v]) => Object.is(current[k], v))) return;
    this.snap = { ...this.snap, ...patch };
    this.listeners.forEach((fn) => fn(this.snap));
  }
}
