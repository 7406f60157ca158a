import { useEffect, useState } from 'react';
import type { FinalCodeProps } from '../../lib/slots';
import { CODE_LANGUAGE_LABELS, type CodeLanguage } from '../../types/models';
import { ReadOnlyCode } from './CodeEditor';
import { readStoredDoc } from '../../lib/docSync/docData';
import { textFromStored } from './codeSync';
import { useEditorPrefs } from './editorPrefs';

type Load = { kind: 'loading' } | { kind: 'error' } | { kind: 'ok'; text: string; language: CodeLanguage | null };

/** The session's shared code as it was left, read-only (the Sessions page). */
export function FinalCode({ sessionId }: FinalCodeProps) {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [prefs] = useEditorPrefs();

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const stored = await readStoredDoc('code', sessionId);
        const result = textFromStored(stored.snapshot, stored.updates);
        if (!cancelled) setLoad({ kind: 'ok', ...result });
      } catch {
        if (!cancelled) setLoad({ kind: 'error' });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [sessionId]);

  return (
    <section className="card detail-card" aria-labelledby="detail-code" data-testid="detail-code">
      <h2 id="detail-code">Code</h2>
      {load.kind === 'loading' && <p className="muted small">Loading the code…</p>}
      {load.kind === 'error' && <p className="muted small" role="alert">We couldn’t load the code of this session. Reload the page to try again.</p>}
      {load.kind === 'ok' && load.text.trim() === '' && <p className="muted small" data-testid="final-code-empty">No code was written in this session.</p>}
      {load.kind === 'ok' && load.text.trim() !== '' && (
        <>
          <p className="muted small">
            The shared editor as you both left it{load.language ? `, in ${CODE_LANGUAGE_LABELS[load.language]}` : ''}. Read-only.
          </p>
          <ReadOnlyCode text={load.text} language={load.language ?? 'python'} theme={prefs.theme} label="The session's final code" />
        </>
      )}
    </section>
  );
}
