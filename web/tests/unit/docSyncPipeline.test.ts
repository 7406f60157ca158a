/**
 * Over the store alone, a change does not wait for the previous write's acknowledgement: with slow
 * acknowledgements (a busy server) the next batch is already on its way, and nothing is lost.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CodeSync } from '../../src/features/editor/codeSync';
import type { DocStore } from '../../src/lib/docSync/store';
import { MemoryServer } from './memoryStore';

const syncs: CodeSync[] = [];

/** A client whose writes reach the server at once but are acknowledged only `ackMs` later. */
function slowAckClient(server: MemoryServer, uid: string, partnerUid: string, ackMs: number, log: string[]): CodeSync {
  const store: DocStore = server.storeFor(uid, partnerUid);
  const write = store.writeUpdate.bind(store);
  store.writeUpdate = async (id, update) => {
    log.push(`sent ${id}`);
    await write(id, update);
    await new Promise((r) => setTimeout(r, ackMs));
    log.push(`acked ${id}`);
  };
  const s = new CodeSync({ store, uid, user: { name: uid, color: '#000', colorLight: '#0003' } });
  s.start();
  syncs.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(syncs.splice(0).map((s) => s.stop()));
});

describe('writes over the store alone', () => {
  it('a change typed while a write awaits its acknowledgement goes without waiting for it', async () => {
    const server = new MemoryServer();
    const log: string[] = [];
    const a = slowAckClient(server, 'a', 'b', 1500, log);
    const b = slowAckClient(server, 'b', 'a', 0, []);
    await vi.waitFor(() => expect(a.state.loaded && b.state.loaded).toBe(true));
    a.text.insert(0, 'first');
    await vi.waitFor(() => expect(log).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 150)); // past the batching window
    a.text.insert(5, ' second');
    // The second write reaches the server (and the partner) while the first is still unacknowledged.
    await vi.waitFor(() => expect(b.text.toString()).toBe('first second'), { timeout: 1000 });
    expect(log.filter((l) => l.startsWith('sent'))).toHaveLength(2);
    expect(log.some((l) => l.startsWith('acked'))).toBe(false);
    expect(a.state.save).toBe('saving');
    await vi.waitFor(() => expect(a.state.save).toBe('saved'), { timeout: 4000 });
  });
});
