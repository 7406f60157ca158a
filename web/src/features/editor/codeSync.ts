/**
 * The shared code document of a session: a Yjs doc (Y.Text "code", Y.Map "meta" with the language) kept
 * in step by the shared engine (lib/docSync: data channel when open, append-only updates in Firestore,
 * compacted by a timer function).
 */
import * as Y from 'yjs';
import { DocSync, type DocSyncSnapshot, type DocUser } from '../../lib/docSync/docSync';
import type { DocStore } from '../../lib/docSync/store';
import { CODE_LIMITS, isCodeLanguage, type CodeLanguage } from '../../types/models';

export type CodeSyncSnapshot = DocSyncSnapshot & { language: CodeLanguage | null };

const WORDS = {
  tooLarge: 'That change is too large to save. Undo it and paste the text in smaller parts.',
  retrying: 'Saving your code failed; retrying. Your edits are kept here meanwhile.',
  closed: 'Your latest changes could not be saved: this session has ended, so its code can no longer be changed.',
  unavailable: 'This session’s code isn’t available to you.',
  lost: 'We lost the connection to the shared code. Reload the page to reconnect; your saved code is safe.',
};

export class CodeSync extends DocSync<{ language: CodeLanguage | null }> {
  readonly text: Y.Text;
  readonly meta: Y.Map<unknown>;

  constructor(opts: { store: DocStore; uid: string; user: DocUser }) {
    super({
      ...opts,
      name: 'code',
      maxUpdateBytes: CODE_LIMITS.maxUpdateBytes,
      maxPresenceBytes: CODE_LIMITS.maxPresenceBytes,
      extra: { language: null },
      words: WORDS,
    });
    this.text = this.doc.getText('code');
    this.meta = this.doc.getMap('meta');
    this.meta.observe(() => this.updateExtra({ language: this.language() }));
  }

  language(): CodeLanguage | null {
    const v = this.meta.get('language');
    return isCodeLanguage(v) ? v : null;
  }

  setLanguage(lang: CodeLanguage): void {
    this.meta.set('language', lang);
  }

  /** Replace the whole text (starter code), as one change both sides see. */
  replaceText(next: string): void {
    this.doc.transact(() => {
      this.text.delete(0, this.text.length);
      this.text.insert(0, next);
    });
  }
}

/** The text of a session's code as stored: the snapshot plus every update after it (read-only views). */
export function textFromStored(snapshot: Uint8Array | null, updates: Uint8Array[]): { text: string; language: CodeLanguage | null } {
  const d = new Y.Doc();
  if (snapshot) Y.applyUpdate(d, snapshot);
  d.transact(() => updates.forEach((u) => Y.applyUpdate(d, u)));
  const lang = d.getMap('meta').get('language');
  const out = { text: d.getText('code').toString(), language: isCodeLanguage(lang) ? lang : null };
  d.destroy();
  return out;
}
