/**
 * The partner's pointer on the board, apart from Excalidraw (pure, unit-tested).
 *
 * Excalidraw can draw collaborators' pointers itself, but each move then re-renders its whole app and
 * toolbar: many times a second while the partner draws, on the very frames their finished stroke arrives
 * in. So the pointer is a small overlay moved by the board (boardPointers placement), and Excalidraw gets
 * the collaborators only when what it shows of them changes: who is there, their selection, a laser
 * pointer (whose trail only Excalidraw draws).
 */
import type { BoardPeer } from './boardSync';

/** The part of Excalidraw's view that places a scene point on the canvas. */
export interface BoardView {
  scrollX: number;
  scrollY: number;
  zoom: number;
  width: number;
  height: number;
}

/** Where a scene point shows, in CSS pixels from the canvas's top-left corner; null when out of view. */
export function placeOnCanvas(point: { x: number; y: number }, view: BoardView): { left: number; top: number } | null {
  const left = (point.x + view.scrollX) * view.zoom;
  const top = (point.y + view.scrollY) * view.zoom;
  if (!Number.isFinite(left) || !Number.isFinite(top)) return null;
  if (left < 0 || top < 0 || left > view.width || top > view.height) return null;
  return { left, top };
}

/** Whether this peer's pointer is drawn by the overlay (a laser pointer is left to Excalidraw, for its trail). */
export function overlaid(peer: BoardPeer): boolean {
  return !!peer.pointer && peer.pointer.tool !== 'laser';
}

/**
 * What Excalidraw shows of the peers besides an overlaid pointer; when it is unchanged, Excalidraw is not
 * told (a pointer move alone never re-renders it).
 */
export function collaboratorsKey(peers: readonly BoardPeer[]): string {
  return JSON.stringify(peers.map((p) => [
    p.client, p.name, p.color, p.selected,
    p.pointer && !overlaid(p) ? [p.pointer.x, p.pointer.y, p.pointer.button] : null,
  ]));
}
