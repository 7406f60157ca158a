/**
 * The whiteboard converges per element whatever carries it: two BoardSync instances, each with a stand-in
 * for Excalidraw's scene (a map of elements the "person" edits, merged as Whiteboard.tsx merges), over an
 * in-memory store and over a link.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mergeScene, type BoardElement } from '../../src/features/whiteboard/boardScene';
import { BoardSync, elementsFromStored } from '../../src/features/whiteboard/boardSync';
import { MemoryServer, linkPair } from './memoryStore';

/** One screen: its scene, merged with the document as Whiteboard.tsx does. */
class Screen {
  scene = new Map<string, BoardElement>();
  constructor(readonly sync: BoardSync) {
    sync.onRemote(() => {
      const merged = mergeScene([...this.scene.values()], sync.stored());
      this.scene = new Map(merged.map((e) => [e.id, e]));
      sync.pushLocal(merged);
    });
  }

  /** What the person does: a new version of an element, as Excalidraw makes it. */
  edit(id: string, patch: Partial<BoardElement> = {}): BoardElement {
    const before = this.scene.get(id);
    const e: BoardElement = {
      type: 'rectangle', x: 0, y: 0, isDeleted: false, index: `a${id}`, ...before, ...patch, id,
      version: (before?.version ?? 0) + 1, versionNonce: Math.floor(Math.random() * 2 ** 31),
    };
    this.scene.set(id, e);
    this.sync.pushLocal([...this.scene.values()]);
    return e;
  }

  visible(): string[] {
    return [...this.scene.values()].filter((e) => !e.isDeleted).map((e) => e.id).sort();
  }
}

const syncs: BoardSync[] = [];
function screen(server: MemoryServer, uid: string, partnerUid: string): Screen {
  const s = new BoardSync({ store: server.storeFor(uid, partnerUid), uid, user: { name: uid, color: '#000', colorLight: '#0003' } });
  s.start();
  syncs.push(s);
  return new Screen(s);
}

async function loaded(...screens: Screen[]) {
  await vi.waitFor(() => expect(screens.every((s) => s.sync.state.loaded)).toBe(true));
}

function sameScene(a: Screen, b: Screen) {
  const view = (s: Screen) => [...s.scene.values()].map((e) => `${e.id}:${e.isDeleted}:${String(e.x)}`).sort();
  expect(view(a)).toEqual(view(b));
}

afterEach(async () => {
  await Promise.all(syncs.splice(0).map((s) => s.stop()));
});

describe('whiteboard convergence', () => {
  for (const linked of [false, true]) {
    it(`two people drawing at once keep every element (${linked ? 'data channel' : 'store alone'})`, async () => {
      const server = new MemoryServer();
      const a = screen(server, 'a', 'b');
      const b = screen(server, 'b', 'a');
      await loaded(a, b);
      if (linked) {
        const [la, lb] = linkPair();
        a.sync.setLink(la);
        b.sync.setLink(lb);
      }
      for (let i = 0; i < 15; i++) {
        a.edit(`a${i}`);
        b.edit(`b${i}`);
      }
      await vi.waitFor(() => {
        expect(a.visible()).toHaveLength(30);
        sameScene(a, b);
      });
      await a.sync.flush();
      await b.sync.flush();
      // A latecomer (or the session page) rebuilds the same board from the store alone.
      await vi.waitFor(async () => {
        const stored = await elementsFromStored(server.snapshot, server.updates.map((u) => u.update));
        expect(stored.map((e) => e.id).sort()).toEqual(a.visible());
      });
    });
  }

  it('a deletion wins over a concurrent move, on both screens', async () => {
    const server = new MemoryServer();
    const a = screen(server, 'a', 'b');
    const b = screen(server, 'b', 'a');
    await loaded(a, b);
    a.edit('box');
    await vi.waitFor(() => expect(b.visible()).toEqual(['box']));
    // At the same moment: Ada deletes it, Grace moves it (several steps, so her version is higher).
    a.edit('box', { isDeleted: true });
    b.edit('box', { x: 10 });
    b.edit('box', { x: 20 });
    b.edit('box', { x: 30 });
    await vi.waitFor(() => {
      expect(a.visible()).toEqual([]);
      expect(b.visible()).toEqual([]);
    });
  });

  it('the deleter’s undo brings the element back on both screens', async () => {
    const server = new MemoryServer();
    const a = screen(server, 'a', 'b');
    const b = screen(server, 'b', 'a');
    await loaded(a, b);
    a.edit('box');
    a.edit('box', { isDeleted: true });
    await vi.waitFor(() => expect(b.scene.get('box')?.isDeleted).toBe(true));
    a.edit('box', { isDeleted: false });
    await vi.waitFor(() => {
      expect(a.visible()).toEqual(['box']);
      expect(b.visible()).toEqual(['box']);
    });
  });

  it('two versions of one element made at once settle on the same one (higher version, then lower nonce)', async () => {
    const server = new MemoryServer();
    const a = screen(server, 'a', 'b');
    const b = screen(server, 'b', 'a');
    await loaded(a, b);
    a.edit('box');
    await vi.waitFor(() => expect(b.visible()).toEqual(['box']));
    a.edit('box', { x: 100 });
    b.edit('box', { x: 200 });
    await vi.waitFor(() => {
      sameScene(a, b);
      expect(a.scene.get('box')?.version).toBe(2);
    });
  });

  it('an image is refused and stays out of the document', async () => {
    const server = new MemoryServer();
    const a = screen(server, 'a', 'b');
    await loaded(a);
    a.edit('pic', { type: 'image', fileId: 'f1' });
    a.edit('big', { type: 'freedraw', points: Array.from({ length: 20000 }, (_, i) => [i, i]) });
    a.edit('ok');
    expect(a.sync.state.refused).not.toBeNull();
    expect([...a.sync.elements.keys()]).toEqual(['ok']);
  });
});
