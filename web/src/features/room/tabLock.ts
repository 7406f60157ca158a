import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * One tab per member holds a session's call: a Web Lock named after the session (held by this
 * browser's tabs only). A second tab of the same member does not join (it would take the partner's
 * call over and fight the first tab over the presence document); it says the call is open elsewhere and
 * offers to take it over, which steals the lock: the first tab is told (its request ends with an
 * AbortError) and hands the call over quietly.
 *
 * 'checking' until the lock answers; 'mine' while this tab holds it; 'elsewhere' when another tab held
 * it first; 'taken' when another tab took it from this one.
 */
export type TabLock = 'checking' | 'mine' | 'elsewhere' | 'taken';

/** A reload's old page may still hold the lock for a moment while the new one asks: ask again meanwhile. */
const RETRY_MS = [150, 350, 600];

export function useTabLock(sessionId: string): { lock: TabLock; takeOver: () => void } {
  const [lock, setLock] = useState<TabLock>(() => (typeof navigator !== 'undefined' && navigator.locks ? 'checking' : 'mine'));
  const release = useRef<(() => void) | null>(null);
  const mounted = useRef(false);
  const name = `salamin.call.${sessionId}`;

  const hold = useCallback(
    (options: LockOptions): Promise<boolean> =>
      new Promise<boolean>((granted) => {
        navigator.locks
          .request(name, options, (l) => {
            if (!l || !mounted.current) {
              granted(false); // not free, or granted after this room closed: let it go at once
              return undefined;
            }
            granted(true);
            setLock('mine');
            // Held until this tab lets go (unmount) or another tab steals it.
            return new Promise<void>((done) => {
              release.current = done;
            });
          })
          .catch((err: unknown) => {
            // Stolen: the lock's promise rejects with an AbortError in the tab that held it.
            if (err instanceof DOMException && err.name === 'AbortError') setLock('taken');
            granted(false);
          });
      }),
    [name],
  );

  useEffect(() => {
    if (!navigator.locks) return;
    mounted.current = true;
    let cancelled = false;
    void (async () => {
      for (let i = 0; i <= RETRY_MS.length && !cancelled; i++) {
        if (await hold({ ifAvailable: true })) return;
        const wait = RETRY_MS[i];
        if (wait === undefined) break;
        await new Promise((r) => setTimeout(r, wait));
      }
      if (!cancelled) setLock((l) => (l === 'checking' ? 'elsewhere' : l));
    })();
    return () => {
      cancelled = true;
      mounted.current = false;
      release.current?.();
      release.current = null;
    };
  }, [hold]);

  const takeOver = useCallback(() => {
    if (!navigator.locks) return;
    release.current?.();
    release.current = null;
    setLock('checking');
    void hold({ steal: true });
  }, [hold]);

  return { lock, takeOver };
}
