/** CodeMirror 6 configuration shared by the live editor and the read-only views. */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, indentWithTab, temporarilySetTabFocusMode } from '@codemirror/commands';
import { cpp } from '@codemirror/lang-cpp';
import { java } from '@codemirror/lang-java';
import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import { SQLite, sql } from '@codemirror/lang-sql';
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { EditorState, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import {
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from '@codemirror/view';
import type { CodeLanguage } from '../../types/models';

export function languageExtension(lang: CodeLanguage): Extension {
  switch (lang) {
    case 'python':
      return [python(), indentUnit.of('    ')];
    case 'javascript':
      return javascript();
    case 'typescript':
      return javascript({ typescript: true });
    case 'java':
      return [java(), indentUnit.of('    ')];
    case 'cpp':
      return [cpp(), indentUnit.of('    ')];
    case 'sql':
      return sql({ dialect: SQLite });
  }
}

export type EditorTheme = 'light' | 'dark';

export function themeExtension(theme: EditorTheme): Extension {
  return theme === 'dark' ? oneDark : syntaxHighlighting(defaultHighlightStyle, { fallback: true });
}

export function fontSizeExtension(px: number): Extension {
  return EditorView.theme({
    '&': { fontSize: `${px}px` },
    '.cm-content, .cm-gutters': { fontFamily: 'var(--font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace)' },
  });
}

/**
 * Everything but history: in the shared editor undo is Yjs's (it undoes only your own edits, never the
 * partner's), so CodeMirror's own history stays out.
 */
export function baseExtensions(): Extension {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    autocompletion({ activateOnTyping: false }),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    EditorView.lineWrapping,
    // Tab indents; Esc then Tab leaves the editor, so keyboard users are never trapped.
    // (Escape goes last, so closing the search panel or a completion list still comes first.)
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...foldKeymap, ...completionKeymap, indentWithTab,
      { key: 'Escape', run: temporarilySetTabFocusMode }]),
  ];
}
