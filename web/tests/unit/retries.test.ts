import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { untilReachable } from '../../src/features/room/retries';

const unreachable = () => Object.assign(new Error('internal'), { code: 'functions/internal' });

function env(onlineAt: number | null = null) {
  const log: string[] = [];
  let online = onlineAt === null;
  return {
    log,
    env: {
      online: () => online,
      whenOnline: () => {
        log.push('waited for online');
        online = true;
        return Promise.resolve();
      },
      sleep: (ms: number) => {
        log.push(`slept ${ms}`);
        return Promise.resolve();
      },
    },
  };
}

/** A join that fails `failures` times as unreachable, then passes; `calls()` counts the tries. */
function failingThenJoined(failures: number) {
  let calls = 0;
  return {
    join: () => {
      calls += 1;
      return calls <= failures ? Promise.reject(unreachable()) : Promise.resolve('joined');
    },
    calls: () => calls,
  };
}

describe('untilReachable (entering the session while the network drops)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('keeps trying past the quick retries until the call passes, backing off', async () => {
    const server = failingThenJoined(7);
    const { env: e, log } = env();
    const p = untilReachable(server.join, () => false, e);
    await vi.runAllTimersAsync();
    await expect(p).resolves.toBe('joined');
    expect(server.calls()).toBe(8); // two rounds of three quick tries fail, then the third round's second try passes
    expect(log).toEqual(['slept 1000', 'slept 2000']);
  });

  it('waits for the browser to be online before trying again', async () => {
    const server = failingThenJoined(3);
    const { env: e, log } = env(0);
    const p = untilReachable(server.join, () => false, e);
    await vi.runAllTimersAsync();
    await expect(p).resolves.toBe('joined');
    expect(log).toEqual(['waited for online', 'slept 1000']);
  });

  it('gives up at once on a refusal', async () => {
    let calls = 0;
    const p = untilReachable(() => {
      calls += 1;
      return Promise.reject(Object.assign(new Error('no'), { code: 'functions/permission-denied' }));
    }, () => false, env().env);
    const settled = expect(p).rejects.toThrow('no');
    await vi.runAllTimersAsync();
    await settled;
    expect(calls).toBe(1);
  });

  it('stops once the person has left', async () => {
    let left = false;
    const p = untilReachable(() => {
      left = true;
      return Promise.reject(unreachable());
    }, () => left, env().env);
    const settled = expect(p).rejects.toThrow('internal');
    await vi.runAllTimersAsync();
    await settled;
  });
});
