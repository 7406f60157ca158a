/** The readers of the room's and the editor's documents: what is stored is checked, not trusted. */
import { readFileSync } from 'node:fs';
import { Timestamp } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { toCodeRun, toHiddenCounts } from '../../src/features/editor/runsData';
import { toPresence, toPrivateQuestions, toSignal } from '../../src/features/room/roomData';
import { toPeerSession } from '../../src/lib/data/peerSessionDoc';

describe('room documents', () => {
  it('a presence needs a page id and a known call state', () => {
    const p = toPresence('a', { peerId: 'p1', state: 'connected', audioEnabled: false, updatedAt: Timestamp.fromMillis(1) });
    expect(p).toMatchObject({ uid: 'a', peerId: 'p1', state: 'connected', audioEnabled: false, videoEnabled: true });
    expect(toPresence('a', { peerId: 'p1', state: 'dancing' })).toBeNull();
    expect(toPresence('a', { state: 'connected' })).toBeNull();
  });

  it('a signal is skipped unless it is an offer, answer or candidate between two people', () => {
    const base = { from: 'a', to: 'b', fromPeer: 'p1' };
    expect(toSignal({ ...base, type: 'offer', sdp: 'v=0' })).toMatchObject({ type: 'offer', sdp: 'v=0' });
    const c = toSignal({ ...base, type: 'candidate', candidate: { candidate: 'c', sdpMid: 0, sdpMLineIndex: 0 } });
    expect(c?.candidate).toEqual({ candidate: 'c', sdpMid: null, sdpMLineIndex: 0 });
    expect(toSignal({ ...base, type: 'bye' })).toBeNull();
    expect(toSignal({ from: 'a', type: 'offer' })).toBeNull();
  });

  it('the private questions keep what an interviewer reads', () => {
    const doc = toPrivateQuestions({ half: 1, questions: [{ id: 'q1', hints: ['h', 3], solution: 's' }, { nope: true }] });
    expect(doc).toEqual({ half: 1, questions: [{ id: 'q1', hints: ['h'], solution: 's' }] });
    expect(toPrivateQuestions({ questions: [] })).toBeNull();
  });
});

describe('runs', () => {
  it('a run needs a known mode, status and language; its result is checked field by field', () => {
    const run = toCodeRun('r1', {
      by: 'a',
      mode: 'tests',
      status: 'done',
      language: 'python',
      result: { verdict: 'wrong_answer', passed: 1, total: 2, tests: [{ id: 't1', passed: true, verdict: 'accepted' }, { id: 2 }] },
    });
    expect(run?.result).toEqual({ verdict: 'wrong_answer', passed: 1, total: 2, tests: [{ id: 't1', passed: true, verdict: 'accepted' }] });
    expect(run?.id).toBe('r1');
    expect(toCodeRun('r2', { mode: 'tests', status: 'exploded', language: 'python' })).toBeNull();
    expect(toCodeRun('r3', { mode: 'run', status: 'done', language: 'python', result: { verdict: 'surprise' } })?.result).toBeNull();
  });

  it('counts each question’s hidden cases', () => {
    const counts = toHiddenCounts({ questions: [{ id: 'q1', code: { tests: [1, 2, 3] } }, { id: 'q2' }] });
    expect(counts.get('q1')).toBe(3);
    expect(counts.get('q2')).toBe(0);
  });
});

describe('the session reader', () => {
  it('reads every field of PeerSession (a field it forgets is lost for every page)', () => {
    const models = readFileSync(new URL('../../src/types/models.ts', import.meta.url), 'utf8');
    const body = /export interface PeerSession \{([\s\S]*?)\n\}/.exec(models)?.[1] ?? '';
    const fields = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
    expect(fields.length).toBeGreaterThan(20);
    const reader = readFileSync(new URL('../../src/lib/data/peerSessionDoc.ts', import.meta.url), 'utf8');
    expect(fields.filter((f) => !new RegExp(`\\b${f}\\b`).test(reader))).toEqual([]);
  });

  it('keeps budget holds and the full-code flag', () => {
    const until = Timestamp.fromMillis(2_000);
    const s = toPeerSession('s', {
      budgetHolds: { a: { budget: 'codeUpdates', at: null, until }, b: { budget: 'made-up' } },
      codeFull: true,
    });
    expect(s.budgetHolds).toEqual({ a: { budget: 'codeUpdates', at: null, until } });
    expect(s.codeFull).toBe(true);
  });
});
