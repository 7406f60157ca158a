import type { PeerLink } from '../../lib/peerLink';
import type { CallEngine } from './callEngine';

/** The call engine's data channel as a PeerLink (open/closed follows the engine's snapshots). */
export function peerLinkOf(engine: CallEngine): PeerLink & { dispose(): void } {
  let open = false;
  const fns = new Set<(open: boolean) => void>();
  const unsub = engine.subscribe((s) => {
    if (s.channelOpen === open) return;
    open = s.channelOpen;
    fns.forEach((fn) => fn(open));
  });
  return {
    isOpen: () => open,
    send: (data) => engine.send(data),
    onData: (fn) => engine.onData(fn),
    onOpenChange: (fn) => {
      fns.add(fn);
      return () => fns.delete(fn);
    },
    dispose: unsub,
  };
}
