/**
 * The whiteboard's elements as the shared document keeps them, apart from Excalidraw (pure, unit-tested).
 *
 * An element is Excalidraw's own JSON. Each edit gives it a higher `version` and a random `versionNonce`;
 * of two versions the higher wins, and of two equal ones the lower nonce (Excalidraw's own rule), so both
 * screens pick the same one.
 */
import { BOARD_LIMITS } from '../../types/models';

export interface BoardElement {
  id: string;
  type: string;
  version: number;
  versionNonce: number;
  isDeleted: boolean;
  /** Excalidraw's fractional z-order key. */
  index?: string | null;
  [key: string]: unknown;
}

/** Tools whose elements the board keeps: images (and embeds of other sites) are refused. */
const KEPT_TYPES = new Set([
  'rectangle', 'diamond', 'ellipse', 'arrow', 'line', 'freedraw', 'text', 'frame', 'selection',
]);

export type Refusal = 'image' | 'too-large';

function isBoardElement(v: unknown): v is BoardElement {
  const e = v as Partial<BoardElement> | null;
  return (
    !!e && typeof e === 'object' && typeof e.id === 'string' && e.id.length > 0 && e.id.length <= 64
    && typeof e.type === 'string' && Number.isInteger(e.version) && Number.isInteger(e.versionNonce)
    && typeof e.isDeleted === 'boolean'
  );
}

/** Why an element cannot be shared, or null when it can (as `json`). */
export function refusalOf(e: BoardElement, json: string): Refusal | null {
  if (!KEPT_TYPES.has(e.type)) return 'image';
  if (json.length > BOARD_LIMITS.maxElementBytes) return 'too-large';
  return null;
}

/** Whether version `a` of an element beats version `b`. */
export function beats(a: Pick<BoardElement, 'version' | 'versionNonce'>, b: Pick<BoardElement, 'version' | 'versionNonce'>): boolean {
  return a.version > b.version || (a.version === b.version && a.versionNonce < b.versionNonce);
}

/** Parses one stored element; null for anything that is not one (the other side may write any bytes). */
export function parseElement(json: unknown): BoardElement | null {
  if (typeof json !== 'string') return null;
  try {
    const v: unknown = JSON.parse(json);
    return isBoardElement(v) && KEPT_TYPES.has(v.type) ? v : null;
  } catch {
    return null;
  }
}

/** Elements in Excalidraw's z-order: by fractional index, then id, so both screens stack them alike. */
export function inOrder<T extends BoardElement>(elements: T[]): T[] {
  return [...elements].sort((a, b) => {
    const ai = a.index ?? '';
    const bi = b.index ?? '';
    if (ai !== bi) return ai < bi ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/**
 * The scene after the shared document changed: a stored element replaces the local one of the same id when
 * it beats it or deletes it; a local one that beats it is kept (the caller writes it again, so a
 * concurrent write that the document resolved the other way is re-asserted and both converge on the
 * higher version); local ones the document does not have yet (being drawn) are kept.
 */
export function mergeScene<T extends BoardElement>(local: readonly T[], stored: Map<string, T>): T[] {
  const out = new Map<string, T>();
  for (const e of local) out.set(e.id, e);
  for (const [id, e] of stored) {
    const mine = out.get(id);
    if (!mine || beats(e, mine) || (e.isDeleted && !mine.isDeleted)) out.set(id, e);
  }
  return inOrder([...out.values()]);
}
