/**
 * The room's callable functions: entering and leaving the session, and the ICE servers (STUN and TURN
 * with a time-limited credential). The ICE servers are fetched as soon as the room opens, during the
 * pre-join check, and kept in this tab while the credential has time left, so pressing Join (or a
 * reload, or the next session) never waits for them. The credential is the member's own (the relay
 * checks it, not the session), so one serves all their sessions while it lasts.
 */
import { httpsCallable } from 'firebase/functions';
import { functions } from '../../lib/firebase';
import type { IceServersResponse } from '../../types/models';
import { withRetries } from './retries';

const getIceServers = httpsCallable<{ sessionId: string }, IceServersResponse>(functions, 'getIceServers');
export const joinSession = httpsCallable<{ sessionId: string }, { status: string; serverTime: number }>(functions, 'joinSession');
export const leaveSession = httpsCallable<{ sessionId: string }, { status: string }>(functions, 'leaveSession');

/** A credential is reused only while it outlives a whole session from now. */
const MIN_LEFT_MS = 75 * 60_000;
/** Without TURN there is no expiry: STUN addresses are refreshed after this long all the same. */
const NO_EXPIRY_KEEP_MS = 15 * 60_000;

interface Cached {
  response: IceServersResponse;
  fetchedAt: number;
}

const inFlight = new Map<string, Promise<IceServersResponse>>();

function cacheKey(uid: string): string {
  return `salamin.ice.${uid}`;
}

function readCached(uid: string, now: number): IceServersResponse | null {
  try {
    const raw = sessionStorage.getItem(cacheKey(uid));
    if (!raw) return null;
    const c = JSON.parse(raw) as Partial<Cached>;
    const r = c.response;
    if (!r || !Array.isArray(r.iceServers) || typeof c.fetchedAt !== 'number') return null;
    const fresh = typeof r.expiresAt === 'number' ? r.expiresAt * 1000 - now > MIN_LEFT_MS : now - c.fetchedAt < NO_EXPIRY_KEEP_MS;
    return fresh ? r : null;
  } catch {
    return null;
  }
}

/** ICE servers for `uid` in this session: from this tab's cache while still valid, else fetched (once at a time). */
export function iceServersFor(sessionId: string, uid: string): Promise<IceServersResponse> {
  const cached = readCached(uid, Date.now());
  if (cached) return Promise.resolve(cached);
  const pending = inFlight.get(uid);
  if (pending) return pending;
  const p = withRetries(() => getIceServers({ sessionId }))
    .then((res) => {
      try {
        sessionStorage.setItem(cacheKey(uid), JSON.stringify({ response: res.data, fetchedAt: Date.now() } satisfies Cached));
      } catch {
        // Storage full or off: the next join fetches again.
      }
      return res.data;
    })
    .finally(() => inFlight.delete(uid));
  inFlight.set(uid, p);
  return p;
}
