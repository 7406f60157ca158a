import { useEffect, useState } from 'react';
import { Bytes, collection, doc, getDoc, getDocs, orderBy, query } from 'firebase/firestore';
import { db } from '../../lib/firebase';
import type { FinalCodeProps } from '../../lib/slots';
import { CODE_LANGUAGE_LABELS, type CodeLanguage } from '../../types/models';
import { ReadOnlyCode } from './CodeEditor';
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
        const base = doc(db, 'peerSessions', sessionId);
        // Updates first, then the snapshot: a compaction in between only moves updates into the snapshot.
        const updates = await getDocs(query(collection(base, 'codeUpdates'), orderBy('createdAt')));
        const snap = await getDoc(doc(base, 'code', 'snapshot'));
        const snapBytes = (snap.data() as { update?: Bytes } | undefined)?.update;
        const result = textFromStored(
          snapBytes instanceof Bytes ? snapBytes.toUint8Array() : null,
          updates.docs.map((d) => (d.data() as { update?: Bytes }).update).filter((u): u is Bytes => u instanceof Bytes).map((u) => u.toUint8Array()),
        );
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
