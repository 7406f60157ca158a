import { useEffect, useState } from 'react';
import * as excalidraw from '@excalidraw/excalidraw';
import '@excalidraw/excalidraw/index.css';
import type { ExcalidrawElement } from '@excalidraw/excalidraw/element/types';
import { readStoredDoc } from '../../lib/docSync/docData';
import type { FinalBoardProps } from '../../lib/slots';
import { inOrder, type BoardElement } from './boardScene';
import { elementsFromStored } from './boardSync';

// Excalidraw declares its exporters through a package it does not ship types for: typed here as used.
interface ExportOptions {
  elements: readonly ExcalidrawElement[];
  appState: { exportBackground: boolean; viewBackgroundColor: string };
  files: null;
}
const exporters = excalidraw as unknown as {
  exportToBlob(opts: ExportOptions & { mimeType: string }): Promise<Blob>;
  exportToSvg(opts: ExportOptions): Promise<SVGSVGElement>;
};
const { Excalidraw } = excalidraw;

type Load = { kind: 'loading' } | { kind: 'error' } | { kind: 'ok'; elements: BoardElement[] };

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The session's whiteboard as it was left: read-only, exportable as PNG and SVG (the Sessions page). */
export function FinalBoard({ sessionId }: FinalBoardProps) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const stored = await readStoredDoc('board', sessionId);
        const elements = inOrder(await elementsFromStored(stored.snapshot, stored.updates));
        if (!cancelled) setLoad({ kind: 'ok', elements });
      } catch {
        if (!cancelled) setLoad({ kind: 'error' });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [sessionId]);

  const elements = load.kind === 'ok' ? (load.elements as unknown as ExcalidrawElement[]) : [];
  const exportAs = async (kind: 'png' | 'svg') => {
    const appState = { exportBackground: true, viewBackgroundColor: '#ffffff' };
    if (kind === 'png') download(await exporters.exportToBlob({ elements, appState, files: null, mimeType: 'image/png' }), `whiteboard-${sessionId}.png`);
    else {
      const svg = await exporters.exportToSvg({ elements, appState, files: null });
      download(new Blob([svg.outerHTML], { type: 'image/svg+xml' }), `whiteboard-${sessionId}.svg`);
    }
  };

  return (
    <section className="card detail-card" aria-labelledby="detail-board" data-testid="detail-board">
      <h2 id="detail-board">Whiteboard</h2>
      {load.kind === 'loading' && <p className="muted small">Loading the whiteboard…</p>}
      {load.kind === 'error' && <p className="muted small" role="alert">We couldn’t load the whiteboard of this session. Reload the page to try again.</p>}
      {load.kind === 'ok' && load.elements.length === 0 && <p className="muted small" data-testid="final-board-empty">Nothing was drawn in this session.</p>}
      {load.kind === 'ok' && load.elements.length > 0 && (
        <>
          <p className="muted small">
            The whiteboard as you both left it ({load.elements.length} {load.elements.length === 1 ? 'element' : 'elements'}). Read-only.{' '}
            <button type="button" className="button button-sm" onClick={() => void exportAs('png')} data-testid="board-export-png">Download PNG</button>{' '}
            <button type="button" className="button button-sm" onClick={() => void exportAs('svg')} data-testid="board-export-svg">Download SVG</button>
          </p>
          <div className="board-frame board-frame-final" data-testid="final-board" data-count={load.elements.length}>
            <Excalidraw initialData={{ elements, scrollToContent: true }} viewModeEnabled UIOptions={{ tools: { image: false } }} theme="light" />
          </div>
        </>
      )}
    </section>
  );
}
