/**
 * The shared whiteboard of a session: a Yjs doc kept in step by the shared engine (lib/docSync: the data
 * channel when open, append-only updates in Firestore, compacted by a timer function), the same mechanism
 * as the code editor.
 *
 * - Y.Map "elements": element id → the element's JSON. Merging is per element, so two people drawing at
 *   once never lose each other's elements; of two versions of one element the higher wins (boardScene).
 * - Y.Map "deleted": ids deleted. A deletion wins over a concurrent move of the same element (one clear
 *   outcome on both screens); only the deleter's undo brings it back.
 * - Nothing is written while a pointer gesture is in progress (a stroke being drawn, a drag): the element
 *   goes out once, finished, so a long stroke is one write, not one per pointer move.
 * - Awareness carries the pointer and the selection, with the person's name.
 */
import type * as Y from 'yjs';
import { DocSync, type DocUser } from '../../lib/docSync/docSync';
import type { DocStore } from '../../lib/docSync/store';
import { BOARD_LIMITS } from '../../types/models';
import { beats, parseElement, refusalOf, type BoardElement, type Refusal } from './boardScene';

const LOCAL = 'board-local';

const WORDS = {
  tooLarge: 'That drawing is too large to save. Undo it and draw it in smaller parts.',
  retrying: 'Saving the whiteboard failed; retrying. Your drawing is kept here meanwhile.',
  closed: 'Your latest drawing could not be saved: this session has ended, so its whiteboard can no longer be changed.',
  unavailable: 'This session’s whiteboard isn’t available to you.',
  lost: 'We lost the connection to the whiteboard. Reload the page to reconnect; your saved drawing is safe.',
};

export interface BoardPointer {
  x: number;
  y: number;
  tool: 'pointer' | 'laser';
  button: 'up' | 'down';
}

export interface BoardPeer {
  client: number;
  name: string;
  color: string;
  pointer: BoardPointer | null;
  selected: string[];
}

type Version = { version: number; versionNonce: number; isDeleted: boolean };

export class BoardSync extends DocSync<{ refused: Refusal | null }> {
  readonly elements: Y.Map<string>;
  readonly deleted: Y.Map<boolean>;
  /** Each element's version as last seen in the document or written to it. */
  private known = new Map<string, Version>();
  private sceneListeners = new Set<(stored: Map<string, BoardElement>, changed: string[]) => void>();

  constructor(opts: { store: DocStore; uid: string; user: DocUser }) {
    super({
      ...opts,
      name: 'board',
      maxUpdateBytes: BOARD_LIMITS.maxUpdateBytes,
      maxPresenceBytes: BOARD_LIMITS.maxPresenceBytes,
      extra: { refused: null },
      words: WORDS,
    });
    this.elements = this.doc.getMap('elements');
    this.deleted = this.doc.getMap('deleted');
    this.doc.on('afterTransaction', (tx: Y.Transaction) => {
      if (tx.origin === LOCAL) return;
      const changed = new Set<string>();
      tx.changed.forEach((keys, type) => {
        const t: unknown = type;
        if (t === this.elements || t === this.deleted) keys.forEach((k) => k !== null && changed.add(k));
      });
      if (!changed.size) return;
      const stored = this.stored([...changed]);
      this.sceneListeners.forEach((fn) => fn(stored, [...changed]));
    });
  }

  /** The stored elements (all, or these ids), a deleted id's element marked deleted. */
  stored(ids?: string[]): Map<string, BoardElement> {
    const out = new Map<string, BoardElement>();
    for (const id of ids ?? [...this.elements.keys()]) {
      const e = parseElement(this.elements.get(id));
      if (!e || e.id !== id) continue;
      const el = this.deleted.has(id) && !e.isDeleted ? { ...e, isDeleted: true } : e;
      this.known.set(id, { version: el.version, versionNonce: el.versionNonce, isDeleted: el.isDeleted });
      out.set(id, el);
    }
    return out;
  }

  /** Called with what the partner (or the stored document) changed: the caller puts it on screen. */
  onRemote(fn: (stored: Map<string, BoardElement>, changed: string[]) => void): () => void {
    this.sceneListeners.add(fn);
    return () => this.sceneListeners.delete(fn);
  }

  /**
   * Writes the local scene's changed elements (by version) into the document, in one transaction. Images
   * and elements over the size cap are refused: they stay on this screen only, and the person is told.
   */
  pushLocal(scene: readonly BoardElement[]): number {
    let written = 0;
    let refused: Refusal | null = null;
    this.doc.transact(() => {
      for (const e of scene) {
        const k = this.known.get(e.id);
        if (k && k.version === e.version && k.versionNonce === e.versionNonce && k.isDeleted === e.isDeleted) continue;
        if (k && !e.isDeleted && !k.isDeleted && !beats(e, k)) continue; // the document's is newer
        const json = JSON.stringify(e);
        const why = refusalOf(e, json);
        if (why) {
          if (!e.isDeleted) refused = why;
          this.known.set(e.id, { version: e.version, versionNonce: e.versionNonce, isDeleted: e.isDeleted });
          continue;
        }
        let out = e;
        if (e.isDeleted && !this.deleted.has(e.id)) this.deleted.set(e.id, true);
        if (!e.isDeleted && k?.isDeleted) {
          // Back from deleted on this screen (the deleter's undo): the deletion is withdrawn, above any
          // version the other side had, so both screens show it again.
          if (this.deleted.has(e.id)) this.deleted.delete(e.id);
          out = { ...e, version: Math.max(e.version, k.version) + 1 };
        }
        this.elements.set(e.id, out === e ? json : JSON.stringify(out));
        this.known.set(e.id, { version: out.version, versionNonce: out.versionNonce, isDeleted: out.isDeleted });
        written++;
      }
    }, LOCAL);
    if (refused) this.updateExtra({ refused });
    return written;
  }

  /** Something the person tried to add was not shared (it was never drawn): they are told why. */
  refuse(why: Refusal): void {
    this.updateExtra({ refused: why });
  }

  clearRefusal(): void {
    this.updateExtra({ refused: null });
  }

  setPointer(pointer: BoardPointer | null): void {
    this.awareness.setLocalStateField('pointer', pointer);
  }

  setSelection(ids: string[]): void {
    const now = (this.awareness.getLocalState()?.selected as string[] | undefined) ?? [];
    if (now.length === ids.length && now.every((id, i) => id === ids[i])) return;
    this.awareness.setLocalStateField('selected', ids);
  }

  /** The partner's pointer and selection, with their name. */
  peers(): BoardPeer[] {
    const out: BoardPeer[] = [];
    this.awareness.getStates().forEach((state, client) => {
      if (client === this.doc.clientID) return;
      const user = state.user as Partial<DocUser> | undefined;
      const p = state.pointer as Partial<BoardPointer> | null | undefined;
      const pointer = p && typeof p.x === 'number' && typeof p.y === 'number'
        ? { x: p.x, y: p.y, tool: p.tool === 'laser' ? 'laser' as const : 'pointer' as const, button: p.button === 'down' ? 'down' as const : 'up' as const }
        : null;
      const selected = Array.isArray(state.selected) ? (state.selected as unknown[]).filter((s): s is string => typeof s === 'string').slice(0, 500) : [];
      out.push({ client, name: typeof user?.name === 'string' ? user.name.slice(0, 60) : 'Partner', color: typeof user?.color === 'string' ? user.color : '#db2777', pointer, selected });
    });
    return out;
  }
}

/** The elements of a stored board (the snapshot plus every update after it), for the session page. */
export async function elementsFromStored(snapshot: Uint8Array | null, updates: Uint8Array[]): Promise<BoardElement[]> {
  const Yjs = await import('yjs');
  const d = new Yjs.Doc();
  if (snapshot) Yjs.applyUpdate(d, snapshot);
  d.transact(() => updates.forEach((u) => Yjs.applyUpdate(d, u)));
  const elements = d.getMap<string>('elements');
  const deleted = d.getMap<boolean>('deleted');
  const out: BoardElement[] = [];
  elements.forEach((json, id) => {
    const e = parseElement(json);
    if (e && e.id === id && !e.isDeleted && !deleted.has(id)) out.push(e);
  });
  d.destroy();
  return out;
}
