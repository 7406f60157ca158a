import { Suspense, useEffect, useState } from 'react';
import { Spinner } from '../../components/Spinner';
import type { PeerLink } from '../../lib/peerLink';
import { useSlots } from '../../lib/slots';
import type { PeerSession } from '../../types/models';

type Tab = 'code' | 'board';

/** Alt+Shift+W switches between the code and the whiteboard (keys neither CodeMirror nor Excalidraw use). */
function isSwitchKey(e: KeyboardEvent): boolean {
  return e.altKey && e.shiftKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyW';
}

/**
 * The room's work area: the code editor and the whiteboard as tabs where a session has both, either
 * alone where it has one. A session with neither (behavioral) shows it once someone asks for a board
 * (`boardWanted`). A board, once opened, stays mounted (hidden) so its history, view and live link
 * survive a switch.
 */
export function Workspaces({ session, uid, link, boardWanted = false }: { session: PeerSession; uid: string; link: PeerLink | null; boardWanted?: boolean }) {
  const { CodeWorkspace, Whiteboard } = useSlots();
  const hasCode = session.requiresCodeEditor;
  const [boardOpened, setBoardOpened] = useState((session.requiresWhiteboard && !hasCode) || boardWanted);
  const [tab, setTab] = useState<Tab>(hasCode ? 'code' : 'board');

  const show = (next: Tab) => {
    if (next === 'board') setBoardOpened(true);
    setTab(next);
  };

  useEffect(() => {
    if (!hasCode) return;
    const onKey = (e: KeyboardEvent) => {
      if (!isSwitchKey(e)) return;
      e.preventDefault();
      setBoardOpened(true);
      setTab((t) => (t === 'code' ? 'board' : 'code'));
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [hasCode]);


  const board = (boardOpened || tab === 'board') && (
    <div className="workspace-pane" hidden={tab !== 'board'} data-testid="board-pane">
      <Suspense fallback={<Spinner label="Loading the whiteboard…" />}>
        <Whiteboard session={session} uid={uid} link={link} />
      </Suspense>
    </div>
  );
  return (
    <div className="workspaces">
      {hasCode && (
        <div className="workspace-tabs" role="tablist" aria-label="Work area">
          <button type="button" role="tab" aria-selected={tab === 'code'} className={`workspace-tab${tab === 'code' ? ' active' : ''}`}
            data-testid="tab-code" onClick={() => show('code')} title="Alt+Shift+W switches">Code</button>
          <button type="button" role="tab" aria-selected={tab === 'board'} className={`workspace-tab${tab === 'board' ? ' active' : ''}`}
            data-testid="tab-board" onClick={() => show('board')} title="Alt+Shift+W switches">Whiteboard</button>
        </div>
      )}
      {hasCode && (
        <div className="workspace-pane" hidden={tab !== 'code'}>
          <Suspense fallback={<Spinner label="Loading the code editor…" />}>
            <CodeWorkspace session={session} uid={uid} link={link} />
          </Suspense>
        </div>
      )}
      {board}
    </div>
  );
}

/** In a session without a board (behavioral): the interviewer (or either person) may still open one. */
export function OpenBoardButton({ onOpen }: { onOpen: () => void }) {
  return (
    <button type="button" className="button button-sm" data-testid="open-whiteboard" onClick={onOpen}>
      Open a whiteboard
    </button>
  );
}
