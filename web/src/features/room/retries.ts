/** Retrying the room's callable functions: what may pass next time is tried again, refusals are final. */

const REFUSAL = /permission-denied|not-found|failed-precondition|unauthenticated|invalid-argument/;

interface RetryEnv {
  online: () => boolean;
  whenOnline: () => Promise<void>;
  sleep: (ms: number) => Promise<void>;
}

const browserEnv: RetryEnv = {
  online: () => navigator.onLine,
  whenOnline: () => new Promise<void>((r) => window.addEventListener('online', () => r(), { once: true })),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

/** Transient failures (a dropped connection, a busy function) get two more tries before we give up. */
export async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const delay of [0, 500, 1500]) {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    try {
      return await fn();
    } catch (err) {
      lastError = err;
      const code = (err as { code?: string }).code ?? '';
      // Refusals are final: only retry what may pass next time.
      if (REFUSAL.test(code)) break;
    }
  }
  throw lastError;
}

/**
 * For a call the room cannot do without while the call itself is up (entering the session): a failure
 * that may pass later (the network dropped for a while, a function unreachable) is tried again once the
 * browser is online, backing off to every 10 s, until it passes, is refused, or `abandoned()` (the person
 * left). Two quick tries (withRetries) gave up within 2 s: a drop during them tore the whole room down.
 */
export async function untilReachable<T>(fn: () => Promise<T>, abandoned: () => boolean,
  env: RetryEnv = browserEnv): Promise<T> {
  let delay = 1_000;
  for (;;) {
    try {
      return await withRetries(fn);
    } catch (err) {
      if (REFUSAL.test((err as { code?: string }).code ?? '') || abandoned()) throw err;
    }
    if (!env.online()) await env.whenOnline();
    await env.sleep(delay);
    delay = Math.min(delay * 2, 10_000);
    if (abandoned()) throw new Error('left before the session could be joined');
  }
}
