/**
 * The code sync converges whatever carries it: two (and three) CodeSync instances over an in-memory
 * store standing in for Firestore, with and without a direct link between them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CodeSync, halvesFromStored } from '../../src/features/editor/codeSync';
import { MemoryServer, linkPair } from './memoryStore';

const syncs: CodeSync[] = [];
function client(server: MemoryServer, uid: string, partnerUid: string): CodeSync {
  const s = new CodeSync({ store: server.storeFor(uid, partnerUid), uid, user: { name: uid, color: '#000', colorLight: '#0003' } });
  s.start();
  syncs.push(s);
  return s;
}

async function loaded(...clients: CodeSync[]) {
  await vi.waitFor(() => expect(clients.every((c) => c.state.loaded)).toBe(true));
}

afterEach(async () => {
  await Promise.all(syncs.splice(0).map((s) => s.stop()));
});

describe('code sync convergence', () => {
  it('two people typing at once over the store alone end with the same text, both edits kept', async () => {
    const server = new MemoryServer();
    const a = client(server, 'a', 'b');
    const b = client(server, 'b', 'a');
    await loaded(a, b);
    a.text.insert(0, 'def solve():\n');
    b.text.insert(0, 'print(42)\n');
    a.setLanguage('python');
    await vi.waitFor(() => {
      expect(a.text.toString()).toBe(b.text.toString());
      expect(a.text.toString()).toContain('def solve():');
      expect(a.text.toString()).toContain('print(42)');
      expect(b.language()).toBe('python');
    });
    await vi.waitFor(() => expect([a.state.save, b.state.save]).toEqual(['saved', 'saved']));
  });

  it('edits over the link reach the partner, and the store alone rebuilds the same text', async () => {
    const server = new MemoryServer();
    const a = client(server, 'a', 'b');
    const b = client(server, 'b', 'a');
    await loaded(a, b);
    const [la, lb] = linkPair();
    a.setLink(la);
    b.setLink(lb);
    for (let i = 0; i < 20; i++) (i % 2 ? a : b).text.insert(0, String(i % 10));
    await vi.waitFor(() => expect(a.text.toString()).toBe(b.text.toString()));
    expect(a.text.length).toBe(20);
    await a.flush();
    await b.flush();
    await vi.waitFor(() => expect([a.state.save, b.state.save]).toEqual(['saved', 'saved']), { timeout: 3000 });
    // What a latecomer (or the session page) reads from the store alone is the same document.
    expect(halvesFromStored(server.snapshot, server.updates.map((u) => u.update))[1].text).toBe(a.text.toString());
    const late = client(server, 'a', 'b');
    await loaded(late);
    expect(late.text.toString()).toBe(a.text.toString());
  });

  it('a failed write is retried and nothing is lost', async () => {
    const server = new MemoryServer();
    const a = client(server, 'a', 'b');
    const b = client(server, 'b', 'a');
    await loaded(a, b);
    server.failNext = 2;
    a.text.insert(0, 'kept through failures');
    await vi.waitFor(() => expect(a.state.save).toBe('retrying'));
    await vi.waitFor(() => expect(b.text.toString()).toBe('kept through failures'), { timeout: 5000 });
    expect(a.state.save).toBe('saved');
  });

  it('a refusal that arrives before the hold that explains it keeps the edits and writes them when it ends', async () => {
    const server = new MemoryServer();
    const a = client(server, 'a', 'b');
    const b = client(server, 'b', 'a');
    await loaded(a, b);
    server.refuse = true;
    a.text.insert(0, 'typed while held');
    // No hold known yet: after a moment the refusal reads as the session's end.
    await vi.waitFor(() => expect(a.state.save).toBe('closed'), { timeout: 4000 });
    // One refused write, not a loop of them while the refusal waited to be explained.
    expect(server.refusedWrites).toBe(1);
    // The session document with the hold arrives late: the edits are kept, not given up.
    a.setHold(Date.now() + 300);
    expect(a.state.save).toBe('retrying');
    server.refuse = false;
    await vi.waitFor(() => expect(b.text.toString()).toBe('typed while held'), { timeout: 5000 });
    expect(a.state.save).toBe('saved');
  }, 12_000);

  it('each half keeps its own text: switching to the second leaves the first as it was, for both', async () => {
    const server = new MemoryServer();
    const a = client(server, 'a', 'b');
    const b = client(server, 'b', 'a');
    await loaded(a, b);
    a.setLanguage('java');
    a.text.insert(0, 'half one');
    await vi.waitFor(() => expect(b.text.toString()).toBe('half one'));
    a.setHalf(2);
    b.setHalf(2);
    expect(a.text.toString()).toBe('');
    expect(a.language()).toBe('java'); // the second half starts in the first half's language
    b.setLanguage('python');
    b.text.insert(0, 'half two');
    await vi.waitFor(() => expect(a.text.toString()).toBe('half two'));
    expect(a.language()).toBe('python');
    expect(a.textOf(1).toString()).toBe('half one');
    await a.flush();
    await b.flush();
    await vi.waitFor(() => expect([a.state.save, b.state.save]).toEqual(['saved', 'saved']), { timeout: 3000 });
    const stored = halvesFromStored(server.snapshot, server.updates.map((u) => u.update));
    expect(stored).toEqual({ 1: { text: 'half one', language: 'java' }, 2: { text: 'half two', language: 'python' } });
  });
});
