/** The partner's pointer overlay: where a scene point shows, and when Excalidraw must be told of the peers. */
import { describe, expect, it } from 'vitest';
import { collaboratorsKey, overlaid, placeOnCanvas } from '../../src/features/whiteboard/boardPointers';
import type { BoardPeer } from '../../src/features/whiteboard/boardSync';

const view = { scrollX: 10, scrollY: -20, zoom: 2, width: 800, height: 600 };
const peer = (patch: Partial<BoardPeer> = {}): BoardPeer => ({
  client: 7, name: 'Ada', color: '#2563eb', pointer: { x: 100, y: 50, tool: 'pointer', button: 'up' }, selected: [], ...patch,
});

describe('placeOnCanvas', () => {
  it('applies the view’s scroll, then its zoom (as Excalidraw does)', () => {
    expect(placeOnCanvas({ x: 100, y: 50 }, view)).toEqual({ left: 220, top: 60 });
    expect(placeOnCanvas({ x: 0, y: 0 }, { ...view, scrollX: 0, scrollY: 0, zoom: 1 })).toEqual({ left: 0, top: 0 });
  });

  it('is null out of view or for a point that is not a number', () => {
    expect(placeOnCanvas({ x: -11, y: 50 }, view)).toBeNull();
    expect(placeOnCanvas({ x: 100, y: 10 }, view)).toBeNull();
    expect(placeOnCanvas({ x: 391, y: 50 }, view)).toBeNull();
    expect(placeOnCanvas({ x: 100, y: 321 }, view)).toBeNull();
    expect(placeOnCanvas({ x: Number.NaN, y: 50 }, view)).toBeNull();
  });
});

describe('collaboratorsKey', () => {
  it('ignores a move of an overlaid pointer, so Excalidraw is not re-rendered for it', () => {
    const moved = peer({ pointer: { x: 300, y: 90, tool: 'pointer', button: 'down' } });
    expect(collaboratorsKey([moved])).toBe(collaboratorsKey([peer()]));
  });

  it('changes with who is there, their name, colour and selection', () => {
    const base = collaboratorsKey([peer()]);
    expect(collaboratorsKey([])).not.toBe(base);
    expect(collaboratorsKey([peer({ name: 'Grace' })])).not.toBe(base);
    expect(collaboratorsKey([peer({ color: '#db2777' })])).not.toBe(base);
    expect(collaboratorsKey([peer({ selected: ['a'] })])).not.toBe(base);
  });

  it('follows a laser pointer’s every move (Excalidraw draws its trail)', () => {
    const laser = peer({ pointer: { x: 1, y: 1, tool: 'laser', button: 'down' } });
    expect(overlaid(laser)).toBe(false);
    expect(overlaid(peer())).toBe(true);
    expect(collaboratorsKey([laser])).not.toBe(collaboratorsKey([{ ...laser, pointer: { ...laser.pointer!, x: 2 } }]));
  });
});
