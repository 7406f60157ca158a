import { useEffect, useRef } from 'react';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import * as Y from 'yjs';
import { yCollab, ySyncAnnotation } from 'y-codemirror.next';
import { CODE_LIMITS, type CodeLanguage } from '../../types/models';
import type { CodeSync } from './codeSync';
import { baseExtensions, fontSizeExtension, languageExtension, themeExtension, type EditorTheme } from './editorSetup';

// The partner's name stays visible on their caret (two people: no clutter, and you always know who is where).
const presenceTheme = EditorView.theme({
  '.cm-ySelectionInfo': { opacity: 1, fontFamily: 'inherit', fontSize: '0.7em', borderRadius: '3px 3px 3px 0', top: '-1.25em' },
  '.cm-scroller': { minHeight: '100%' },
  '&': { height: '100%' },
});

interface Props {
  sync: CodeSync;
  /** The half's text it edits (one editor per text: keyed by half). */
  text: Y.Text;
  language: CodeLanguage;
  theme: EditorTheme;
  fontSize: number;
  readOnly: boolean;
  label: string;
  onTooLarge: () => void;
}

/** The shared editor: CodeMirror 6 bound to the session's Y.Text, with the partner's cursor. */
export function CodeEditor({ sync, text, language, theme, fontSize, readOnly, label, onTooLarge }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const compartments = useRef({ lang: new Compartment(), theme: new Compartment(), size: new Compartment(), ro: new Compartment() });
  const tooLarge = useRef(onTooLarge);
  tooLarge.current = onTooLarge;

  useEffect(() => {
    if (!host.current) return;
    const c = compartments.current;
    const undoManager = new Y.UndoManager(text);
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          baseExtensions(),
          c.lang.of(languageExtension(language)),
          c.theme.of(themeExtension(theme)),
          c.size.of(fontSizeExtension(fontSize)),
          c.ro.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          yCollab(text, sync.awareness, { undoManager }),
          presenceTheme,
          // The runner takes 64 KB of source: refuse local edits past it (remote ones always apply).
          EditorState.changeFilter.of((tr) => {
            if (tr.annotation(ySyncAnnotation) !== undefined || tr.newDoc.length <= CODE_LIMITS.maxChars) return true;
            tooLarge.current();
            return false;
          }),
          EditorView.contentAttributes.of({ 'aria-label': label, 'data-testid': 'code-input' }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      undoManager.destroy();
      view.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- The view lives as long as the document; settings below are reconfigured in place.
  }, [sync, text]);

  useEffect(() => {
    view.current?.dispatch({ effects: compartments.current.lang.reconfigure(languageExtension(language)) });
  }, [language]);
  useEffect(() => {
    view.current?.dispatch({ effects: compartments.current.theme.reconfigure(themeExtension(theme)) });
  }, [theme]);
  useEffect(() => {
    view.current?.dispatch({ effects: compartments.current.size.reconfigure(fontSizeExtension(fontSize)) });
  }, [fontSize]);
  useEffect(() => {
    view.current?.dispatch({
      effects: compartments.current.ro.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  return <div className={`code-editor code-editor-${theme}`} ref={host} data-testid="code-editor" data-language={language} />;
}

/** A read-only view of finished code (the Sessions page). */
export function ReadOnlyCode({ text, language, theme, label, testId = 'final-code', half }: {
  text: string; language: CodeLanguage; theme: EditorTheme; label: string; testId?: string; half?: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text,
        extensions: [
          baseExtensions(),
          languageExtension(language),
          themeExtension(theme),
          fontSizeExtension(13),
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          EditorView.contentAttributes.of({ 'aria-label': label }),
        ],
      }),
    });
    return () => v.destroy();
  }, [text, language, theme, label]);
  return <div className={`code-editor code-editor-readonly code-editor-${theme}`} ref={host} data-testid={testId} data-half={half} />;
}
