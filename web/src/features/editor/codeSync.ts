/**
 * The shared code document of a session: a Yjs doc kept in step by the shared engine (lib/docSync: data
 * channel when open, append-only updates in Firestore, compacted by a timer function). Each half has
 * its own text, so the first half's code is kept with the session when the roles switch: Y.Text "code"
 * and Y.Map "meta" key "language" for half 1, Y.Text "code2" and "language2" for half 2.
 */
import * as Y from 'yjs';
import { DocSync, type DocSyncSnapshot, type DocUser } from '../../lib/docSync/docSync';
import type { DocStore } from '../../lib/docSync/store';
import { CODE_LIMITS, ROLE_SWITCH_PHASE_INDEX, isCodeLanguage, type CodeLanguage } from '../../types/models';

export type CodeSyncSnapshot = DocSyncSnapshot & { language: CodeLanguage | null; half: CodeHalf };

/** Which half of the interview a text belongs to (the roles switch between them). */
export type CodeHalf = 1 | 2;
const TEXT_KEY: Record<CodeHalf, string> = { 1: 'code', 2: 'code2' };
const LANGUAGE_KEY: Record<CodeHalf, string> = { 1: 'language', 2: 'language2' };

/** The half whose code the editor shows at a phase: the second from the role switch on. */
export function halfAt(phaseIndex: number | null | undefined): CodeHalf {
  return (phaseIndex ?? 0) >= ROLE_SWITCH_PHASE_INDEX ? 2 : 1;
}

function languageIn(meta: Y.Map<unknown>, half: CodeHalf): CodeLanguage | null {
  const v = meta.get(LANGUAGE_KEY[half]);
  return isCodeLanguage(v) ? v : null;
}

const WORDS = {
  tooLarge: 'That change is too large to save. Undo it and paste the text in smaller parts.',
  retrying: 'Saving your code failed; retrying. Your edits are kept here meanwhile.',
  closed: 'Your latest changes could not be saved: this session has ended, so its code can no longer be changed.',
  unavailable: 'This session’s code isn’t available to you.',
  lost: 'We lost the connection to the shared code. Reload the page to reconnect; your saved code is safe.',
};

export class CodeSync extends DocSync<{ language: CodeLanguage | null; half: CodeHalf }> {
  readonly meta: Y.Map<unknown>;
  private current: CodeHalf = 1;

  constructor(opts: { store: DocStore; uid: string; user: DocUser }) {
    super({
      ...opts,
      name: 'code',
      maxUpdateBytes: CODE_LIMITS.maxUpdateBytes,
      maxPresenceBytes: CODE_LIMITS.maxPresenceBytes,
      extra: { language: null, half: 1 },
      words: WORDS,
    });
    this.meta = this.doc.getMap('meta');
    this.meta.observe(() => this.updateExtra({ language: this.language() }));
  }

  /** The half the editor shows now. */
  get half(): CodeHalf {
    return this.current;
  }

  /** The text of the half on screen (what the editor binds to and Run sends). */
  get text(): Y.Text {
    return this.textOf(this.current);
  }

  textOf(half: CodeHalf): Y.Text {
    return this.doc.getText(TEXT_KEY[half]);
  }

  /** Show another half's text: the other one stays in the document untouched. */
  setHalf(half: CodeHalf): void {
    if (half === this.current) return;
    this.current = half;
    this.updateExtra({ half, language: this.language() });
  }

  /** The current half's language; the second half starts in the first half's until someone picks one. */
  language(): CodeLanguage | null {
    return languageIn(this.meta, this.current) ?? (this.current === 2 ? languageIn(this.meta, 1) : null);
  }

  setLanguage(lang: CodeLanguage): void {
    this.meta.set(LANGUAGE_KEY[this.current], lang);
  }

  /** Replace the whole text (starter code), as one change both sides see. */
  replaceText(next: string): void {
    this.doc.transact(() => {
      this.text.delete(0, this.text.length);
      this.text.insert(0, next);
    });
  }
}

export interface StoredCode {
  text: string;
  language: CodeLanguage | null;
}

/** A session's code as stored, by half: the snapshot plus every update after it (read-only views). */
export function halvesFromStored(snapshot: Uint8Array | null, updates: Uint8Array[]): Record<CodeHalf, StoredCode> {
  const d = new Y.Doc();
  if (snapshot) Y.applyUpdate(d, snapshot);
  d.transact(() => updates.forEach((u) => Y.applyUpdate(d, u)));
  const meta = d.getMap('meta');
  const first = languageIn(meta, 1);
  const out: Record<CodeHalf, StoredCode> = {
    1: { text: d.getText(TEXT_KEY[1]).toString(), language: first },
    2: { text: d.getText(TEXT_KEY[2]).toString(), language: languageIn(meta, 2) ?? first },
  };
  d.destroy();
  return out;
}

