import { useEffect, useState } from 'react';
import type { FinalCodeProps } from '../../lib/slots';
import { CODE_LANGUAGE_LABELS } from '../../types/models';
import { ReadOnlyCode } from './CodeEditor';
import { readStoredDoc } from '../../lib/docSync/docData';
import { halvesFromStored, type CodeHalf, type StoredCode } from './codeSync';
import { useEditorPrefs } from './editorPrefs';

type Load = { kind: 'loading' } | { kind: 'error' } | { kind: 'ok'; halves: Record<CodeHalf, StoredCode> };

/** The session's shared code as it was left, read-only, for each half (the Sessions page). */
export function FinalCode({ sessionId }: FinalCodeProps) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [prefs] = useEditorPrefs();

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const stored = await readStoredDoc('code', sessionId);
        const halves = halvesFromStored(stored.snapshot, stored.updates);
        if (!cancelled) setLoad({ kind: 'ok', halves });
      } catch {
        if (!cancelled) setLoad({ kind: 'error' });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [sessionId]);

  const written = load.kind === 'ok' ? ([1, 2] as const).filter((h) => load.halves[h].text.trim() !== '') : [];
  return (
    <section className="card detail-card" aria-labelledby="detail-code" data-testid="detail-code">
      <h2 id="detail-code">Code</h2>
      {load.kind === 'loading' && <p className="muted small">Loading the code…</p>}
      {load.kind === 'error' && <p className="muted small" role="alert">We couldn’t load the code of this session. Reload the page to try again.</p>}
      {load.kind === 'ok' && written.length === 0 && <p className="muted small" data-testid="final-code-empty">No code was written in this session.</p>}
      {load.kind === 'ok' && written.map((half) => {
        const { text, language } = load.halves[half];
        return (
          <div key={half} className="final-code-half" data-testid={`final-code-half-${half}`}>
            <h3 className="small">{half === 1 ? 'First half' : 'Second half'}</h3>
            <p className="muted small">
              The shared editor as you both left it{language ? `, in ${CODE_LANGUAGE_LABELS[language]}` : ''}. Read-only.
            </p>
            <ReadOnlyCode text={text} language={language ?? 'python'} theme={prefs.theme} half={half}
              label={`The session's code, ${half === 1 ? 'first' : 'second'} half`} />
          </div>
        );
      })}
    </section>
  );
}
