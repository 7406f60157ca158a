/**
 * The room's shared whiteboard: Excalidraw (MIT) on the shared document of boardSync.ts. This module and
 * Excalidraw load only when a board is first opened (App.tsx's lazy slot), so a session without one pays
 * nothing.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { CaptureUpdateAction, Excalidraw, isInvisiblySmallElement } from '@excalidraw/excalidraw';
import '@excalidraw/excalidraw/index.css';
import type { ExcalidrawElement } from '@excalidraw/excalidraw/element/types';
import type { AppState, Collaborator, ExcalidrawImperativeAPI, ExcalidrawProps, SocketId } from '@excalidraw/excalidraw/types';
import { firestoreDocStore } from '../../lib/docSync/docData';
import type { DocSyncSnapshot } from '../../lib/docSync/docSync';
import type { WhiteboardProps } from '../../lib/slots';
import { LIVE_SESSION_STATUSES, budgetHoldUntil } from '../../types/models';
import { collaboratorsKey, overlaid, placeOnCanvas } from './boardPointers';
import { mergeScene, type BoardElement, type Refusal } from './boardScene';
import { BoardSync, type BoardPeer } from './boardSync';

declare global {
  interface Window {
    /** The shared board and its canvas, for the browser tests and benchmarks. */
    __salaminBoard?: { sync: BoardSync; api: ExcalidrawImperativeAPI };
  }
}

const COLORS = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed'] as const;

function colorFor(uid: string): string {
  let h = 0;
  for (const ch of uid) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length] ?? COLORS[0];
}

const REFUSALS: Record<Refusal, string> = {
  image: 'Images aren’t shared on the whiteboard: your partner won’t see it and it isn’t saved. Draw it, or describe it in a text box.',
  'too-large': 'That drawing is too large to share (over 100 KB); it stays on your screen only. Draw it in smaller parts.',
};

/** Images off (refused, see refuseImages); no loading or saving of local files over the shared board. */
const UI_OPTIONS = { tools: { image: false }, canvasActions: { loadScene: false, saveToActiveFile: false } } as const;
type PointerUpdate = Parameters<NonNullable<ExcalidrawProps['onPointerUpdate']>>[0];

const asBoard = (els: readonly ExcalidrawElement[]) => els as unknown as readonly BoardElement[];
const asExcalidraw = (els: readonly BoardElement[]) => els as unknown as ExcalidrawElement[];

/** A gesture in progress (a stroke being drawn, a drag, a resize): its element goes out once it is done. */
function inGesture(s: AppState): boolean {
  return !!(s.newElement || s.resizingElement || s.selectedElementsAreBeingDragged || s.isResizing || s.isRotating);
}

const POINTER_STYLE = 'position:absolute;left:0;top:0;pointer-events:none;display:flex;align-items:flex-start;gap:2px;will-change:transform';
const LABEL_STYLE = 'margin-top:12px;padding:1px 6px;border-radius:8px;color:#fff;font:600 11px/1.5 system-ui,sans-serif;white-space:nowrap';

/** Moves the partner's pointer (an arrow and their name) over the canvas: plain DOM, no React render. */
function placePeers(box: HTMLDivElement | null, peers: readonly BoardPeer[], s: AppState): void {
  if (!box) return;
  const view = { scrollX: s.scrollX, scrollY: s.scrollY, zoom: s.zoom.value, width: s.width, height: s.height };
  const keep = new Set<string>();
  for (const p of peers) {
    const at = p.pointer && overlaid(p) ? placeOnCanvas(p.pointer, view) : null;
    if (!at) continue;
    const id = String(p.client);
    keep.add(id);
    let el = box.querySelector<HTMLDivElement>(`[data-client="${id}"]`);
    if (!el) {
      el = document.createElement('div');
      el.dataset.client = id;
      el.style.cssText = POINTER_STYLE;
      el.innerHTML = '<svg width="14" height="18" viewBox="0 0 14 18"><path d="M1 1l12 9-5.5.8L5 17z" stroke="#fff" stroke-width="1.2"/></svg><span></span>';
      const label = el.querySelector('span');
      if (label) label.style.cssText = LABEL_STYLE;
      box.appendChild(el);
    }
    const label = el.querySelector('span');
    if (label && label.textContent !== p.name) label.textContent = p.name;
    if (label) label.style.background = p.color;
    el.querySelector('path')?.setAttribute('fill', p.color);
    el.style.transform = `translate(${at.left}px, ${at.top}px)`;
  }
  for (const el of [...box.children]) {
    if (el instanceof HTMLElement && !keep.has(el.dataset.client ?? '')) el.remove();
  }
}

export function Whiteboard({ session, uid, link }: WhiteboardProps) {
  const partnerUid = session.participantIds.find((p) => p !== uid) ?? '';
  const myName = session.participants.find((p) => p.userId === uid)?.displayName ?? 'You';
  const [sync, setSync] = useState<BoardSync | null>(null);

  useEffect(() => {
    const color = colorFor(uid);
    const s = new BoardSync({ store: firestoreDocStore('board', session.id, uid, partnerUid), uid, user: { name: myName, color, colorLight: `${color}33` } });
    s.start();
    setSync(s);
    return () => {
      setSync(null);
      void s.stop();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one document per session and person: a name change does not restart it
  }, [session.id, uid, partnerUid]);

  useEffect(() => {
    if (!link || !sync) return;
    sync.setLink(link);
    return () => sync.setLink(null);
  }, [link, sync]);

  // A write budget's hold (or a full board): nothing is written meanwhile; edits wait.
  const holdUntil = budgetHoldUntil(session, uid, Date.now());
  useEffect(() => {
    sync?.setHold(session.boardFull ? Infinity : holdUntil);
  }, [sync, holdUntil, session.boardFull]);

  if (!sync) return <div className="board-frame"><div className="editor-loading" data-testid="board-loading">Loading the whiteboard…</div></div>;
  const ended = !LIVE_SESSION_STATUSES.includes(session.status);
  return <Board key={sync.doc.guid} sync={sync} readOnly={ended} />;
}

function Board({ sync, readOnly }: { sync: BoardSync; readOnly: boolean }) {
  const [state, setState] = useState<DocSyncSnapshot & { refused: Refusal | null }>(sync.state);
  const [api, setApi] = useState<ExcalidrawImperativeAPI | null>(null);
  const gesture = useRef(false);
  // Excalidraw starts by loading its own (empty) initial scene, asynchronously, over whatever was put on it
  // before: once it has, the whole stored board is merged in again, so a late join never shows less.
  const showAll = useRef<(() => void) | null>(null);
  const initialized = useRef(false);
  const pointersRef = useRef<HTMLDivElement>(null);
  const frameRef = useRef<HTMLDivElement>(null);
  /** Places the partner's pointer again (after a move of theirs, or a scroll or zoom of this view). */
  const placePointers = useRef<(() => void) | null>(null);

  useEffect(() => sync.subscribe(setState), [sync]);
  const loaded = state.loaded;

  // The document → the screen: what the partner (or the stored board) changed, merged per element.
  useEffect(() => {
    if (!api) return;
    // `stored`: the elements the change touched (all of them at first): the rest of the scene stays as it is.
    const show = (stored: Map<string, BoardElement>) => {
      const local = asBoard(api.getSceneElementsIncludingDeleted());
      const merged = mergeScene(local, stored);
      api.updateScene({ elements: asExcalidraw(merged), captureUpdate: CaptureUpdateAction.NEVER });
      // A local version that beat the stored one (a concurrent write resolved the other way) goes out again.
      if (!gesture.current) sync.pushLocal(asBoard(api.getSceneElementsIncludingDeleted()));
    };
    show(sync.stored());
    showAll.current = () => show(sync.stored());
    const offRemote = sync.onRemote((stored) => show(stored));
    // The partner's pointer moves arrive many times a frame: redraw them once per frame, so they never hold
    // up a drawn element arriving behind them.
    let peersFrame = 0;
    const onPeers = (_changes?: unknown, origin?: unknown) => {
      if (origin === 'local') return; // our own pointer: Excalidraw draws it already
      if (!peersFrame) peersFrame = requestAnimationFrame(showPeers);
    };
    let shownKey = '';
    const showPeers = () => {
      peersFrame = 0;
      const peers = sync.peers();
      placePointers.current = () => placePeers(pointersRef.current, peers, api.getAppState());
      placePointers.current();
      const key = collaboratorsKey(peers);
      if (key === shownKey) return; // only a pointer moved: the overlay has it, Excalidraw stays as it is
      shownKey = key;
      const collaborators = new Map<SocketId, Collaborator>();
      for (const p of peers) {
        collaborators.set(String(p.client) as SocketId, {
          username: p.name,
          color: { background: `${p.color}33`, stroke: p.color },
          pointer: p.pointer && !overlaid(p) ? { x: p.pointer.x, y: p.pointer.y, tool: p.pointer.tool } : undefined,
          button: p.pointer?.button,
          selectedElementIds: Object.fromEntries(p.selected.map((id) => [id, true])),
          id: String(p.client),
        });
      }
      api.updateScene({ collaborators, captureUpdate: CaptureUpdateAction.NEVER });
    };
    sync.awareness.on('change', onPeers);
    showPeers();
    // The finished stroke (or drag) goes out as the pointer goes up, as the pointer left it, before Excalidraw
    // handles the event: React's own handling of that pointerup re-renders Excalidraw first (a few ms, far
    // more on a loaded machine), and Excalidraw's onPointerUp comes only after. So the board's frame catches
    // the event on its way down (capture); onPointerUp stays for a pointer released outside the frame (a
    // second push of the same versions writes nothing). What Excalidraw still changes in finishing it (a
    // freedraw's last point, a normalised size) follows from onChange, as a newer version.
    const finished = () => {
      gesture.current = false;
      const drawn = api.getAppState().newElement;
      // A click that drew nothing: Excalidraw removes its empty element (a freedraw dot follows from onChange).
      if (drawn && isInvisiblySmallElement(drawn)) return;
      if (!readOnly && loaded) sync.pushLocal(asBoard(api.getSceneElementsIncludingDeleted()));
    };
    const frame = frameRef.current;
    const onFrameUp = (e: PointerEvent) => {
      if (e.isPrimary && gesture.current) finished();
    };
    frame?.addEventListener('pointerup', onFrameUp, true);
    const offUp = api.onPointerUp(finished);
    window.__salaminBoard = { sync, api };
    return () => {
      offRemote();
      offUp();
      frame?.removeEventListener('pointerup', onFrameUp, true);
      sync.awareness.off('change', onPeers);
      cancelAnimationFrame(peersFrame);
      placePointers.current = null;
      showAll.current = null;
      if (window.__salaminBoard?.sync === sync) delete window.__salaminBoard;
    };
  }, [api, sync, loaded, readOnly]);

  // Stable callbacks and options: Excalidraw is memoised on its props, so a re-render of this component (the
  // save state, the room around it) does not re-render the whole board, which would hold up a partner's
  // stroke arriving meanwhile.
  const onChange = useCallback((elements: readonly ExcalidrawElement[], appState: AppState) => {
    gesture.current = inGesture(appState);
    placePointers.current?.();
    if (!initialized.current && !appState.isLoading) {
      initialized.current = true;
      setTimeout(() => showAll.current?.(), 0);
    }
    if (!gesture.current && loaded && !readOnly) sync.pushLocal(asBoard(elements));
    sync.setSelection(Object.keys(appState.selectedElementIds).filter((id) => appState.selectedElementIds[id]));
  }, [sync, loaded, readOnly]);
  const onPointerUpdate = useCallback(
    ({ pointer, button }: PointerUpdate) => sync.setPointer({ x: pointer.x, y: pointer.y, tool: pointer.tool, button }),
    [sync],
  );

  // Images are not shared (no storage for them, and a pasted one is far over an update's size): refused
  // here, so nothing of it is drawn or written and the person is told why.
  const refuseImages = (e: { preventDefault(): void; stopPropagation(): void }, data: DataTransfer | null) => {
    if (!data || ![...data.files].some((f) => f.type.startsWith('image/'))) return;
    e.preventDefault();
    e.stopPropagation();
    sync.refuse('image');
  };

  const transport = state.linkOpen ? 'channel' : 'firestore';
  return (
    <div className="board-workspace" data-testid="whiteboard">
      <div className="editor-toolbar board-toolbar">
        <span className={`save-state save-${state.save}`} data-testid="board-save-state" data-state={state.save} aria-live="polite">
          {state.save === 'loading' ? 'Loading…' : state.save === 'saving' ? 'Saving…' : state.save === 'retrying' ? 'Not saved yet, retrying…' : state.save === 'closed' ? 'Read-only' : 'Saved'}
        </span>
        <span className="muted small" data-testid="board-transport" data-live={transport}>
          {state.linkOpen ? 'Live: peer to peer' : 'Live: via server'}
        </span>
      </div>
      {state.error && <div className="alert alert-error small" role="alert" data-testid="board-error">{state.error}</div>}
      {state.refused && (
        <div className="alert alert-info small" role="alert" data-testid="board-refused">
          {REFUSALS[state.refused]}{' '}
          <button type="button" className="button button-sm" onClick={() => sync.clearRefusal()}>OK</button>
        </div>
      )}
      <div
        className="board-frame"
        ref={frameRef}
        data-loaded={state.loaded ? 'yes' : 'no'}
        // Before Excalidraw sees it (capture): a pasted or dropped image is refused with our sentence.
        onPasteCapture={(e) => refuseImages(e, e.clipboardData)}
        onDropCapture={(e) => refuseImages(e, e.dataTransfer)}
      >
        <Excalidraw
          excalidrawAPI={setApi}
          onChange={onChange}
          onPointerUpdate={onPointerUpdate}
          isCollaborating
          viewModeEnabled={readOnly || !loaded}
          UIOptions={UI_OPTIONS}
          theme="light"
        />
        <div ref={pointersRef} aria-hidden="true" data-testid="board-pointers"
          style={{ position: 'absolute', inset: 0, overflow: 'hidden', pointerEvents: 'none', zIndex: 2 }} />
      </div>
    </div>
  );
}
