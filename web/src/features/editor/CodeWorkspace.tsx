import { useCallback, useEffect, useRef, useState } from 'react';
import * as Y from 'yjs';
import { Minus, Moon, Plus, Sun, WandSparkles } from 'lucide-react';
import {
  CODE_LANGUAGES,
  CODE_LANGUAGE_LABELS,
  LIVE_SESSION_STATUSES,
  budgetHoldMessage,
  budgetHoldUntil,
  isCodeLanguage,
  type CodeLanguage,
  type PeerSession,
  type PublicQuestion,
} from '../../types/models';
import type { CodeWorkspaceProps } from '../../lib/slots';
import { CodeEditor, ReadOnlyCode } from './CodeEditor';
import { firestoreDocStore } from '../../lib/docSync/docData';
import { CodeSync, halfAt, type CodeHalf, type CodeSyncSnapshot } from './codeSync';
import { FONT_SIZES, useEditorPrefs } from './editorPrefs';
import type { EditorTheme } from './editorSetup';
import { RunPanel } from './RunPanel';

declare global {
  interface Window {
    /** The shared code document, for the browser tests and benchmarks. */
    __salaminCode?: CodeSync;
  }
}

const COLORS = [
  ['#2563eb', '#2563eb33'],
  ['#db2777', '#db277733'],
  ['#059669', '#05966933'],
  ['#d97706', '#d9770633'],
  ['#7c3aed', '#7c3aed33'],
] as const;

function colorFor(uid: string): { color: string; colorLight: string } {
  let h = 0;
  for (const ch of uid) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const [color, colorLight] = COLORS[h % COLORS.length] ?? COLORS[0];
  return { color, colorLight };
}

/** The current half's coding question, if any (the one the starter code and tests come from). */
function codeQuestion(session: PeerSession, half: CodeHalf): PublicQuestion | null {
  // The second half never falls back to the first half's question: its starter would land in the
  // second half's text (the second set arrives with the role switch).
  const list = (half === 2 ? session.questionSet?.['2'] : session.questionSet?.['1']) ?? [];
  return list.find((q) => q.code && Object.keys(q.code.languages).length > 0) ?? null;
}

function starterFor(q: PublicQuestion | null, lang: CodeLanguage): string | null {
  return q?.code?.languages[lang]?.starter ?? null;
}

/** The editor, its toolbar (language, starter code, theme, font size, save state) and the run panel. */
export function CodeWorkspace({ session, uid, link }: CodeWorkspaceProps) {
  const partnerUid = session.participantIds.find((p) => p !== uid) ?? '';
  const myName = session.participants.find((p) => p.userId === uid)?.displayName ?? 'You';
  const [sync, setSync] = useState<CodeSync | null>(null);

  // One document per session and person, made and torn down by the effect (safe under StrictMode's
  // double mount); names do not change mid-session.
  useEffect(() => {
    const s = new CodeSync({
      store: firestoreDocStore('code', session.id, uid, partnerUid),
      uid,
      user: { name: myName, ...colorFor(uid) },
    });
    window.__salaminCode = s;
    s.start();
    setSync(s);
    return () => {
      if (window.__salaminCode === s) delete window.__salaminCode;
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

  if (!sync) return <div className="editor-frame"><div className="editor-loading" data-testid="code-loading">Loading the shared code…</div></div>;
  return <Workspace key={sync.doc.guid} session={session} uid={uid} sync={sync} />;
}

function Workspace({ session, uid, sync }: { session: PeerSession; uid: string; sync: CodeSync }) {
  const partnerUid = session.participantIds.find((p) => p !== uid) ?? '';
  const partnerName = session.participants.find((p) => p.userId === partnerUid)?.displayName ?? 'Your partner';
  const [state, setState] = useState<CodeSyncSnapshot>(sync.state);
  const [prefs, setPrefs] = useEditorPrefs();
  const [offer, setOffer] = useState<CodeLanguage | null>(null);
  const [tooLarge, setTooLarge] = useState(false);
  const [partnerTyping, setPartnerTyping] = useState(false);
  const [partnerLine, setPartnerLine] = useState<number | null>(null);
  // Each half has its own text: at the role switch the first half's code stays in the document (and on
  // the session page) and the editor shows the second half's, empty, with the new question's starter.
  const half = halfAt(session.phaseIndex);
  const ytext = sync.textOf(half);
  useEffect(() => {
    sync.setHalf(half);
  }, [sync, half]);
  const question = codeQuestion(session, half);
  const questionLangs = question?.code ? Object.keys(question.code.languages).filter(isCodeLanguage) : [];
  const fallbackLang: CodeLanguage = questionLangs.includes('python') ? 'python' : (questionLangs[0] ?? 'python');
  const language = state.language ?? fallbackLang;
  const ended = !LIVE_SESSION_STATUSES.includes(session.status) || state.save === 'closed';
  // The language shown is the current half's once the sync has switched to it (one render later).
  const languageReady = state.half === half;
  // A write budget's hold on me, or a full snapshot: the rules refuse my code updates meanwhile.
  const now = useNow(session.budgetHolds?.[uid] ? 5000 : null);
  const holdUntil = budgetHoldUntil(session, uid, now);
  const hold = holdUntil !== null ? session.budgetHolds?.[uid] : undefined;
  const full = session.codeFull === true;
  const paused = !ended && (hold !== undefined || full);
  useEffect(() => {
    sync.setHold(full ? Infinity : holdUntil);
  }, [sync, full, holdUntil]);

  useEffect(() => sync.subscribe(setState), [sync]);

  // Who is typing, and where the partner's cursor is (for the status line; the caret itself is CodeMirror's).
  useEffect(() => {
    // "Typing" is judged by when we saw the partner's typing mark change, on our own clock: their clock
    // may differ from ours by seconds.
    const lastMark = new Map<number, { mark: number; seenAt: number }>();
    const read = () => {
      let typing = false;
      let line: number | null = null;
      sync.awareness.getStates().forEach((s, client) => {
        if (client === sync.doc.clientID) return;
        const st = s as { typing?: number; cursor?: { head?: unknown } };
        if (typeof st.typing === 'number') {
          const prev = lastMark.get(client);
          if (!prev || prev.mark !== st.typing) lastMark.set(client, { mark: st.typing, seenAt: prev ? Date.now() : 0 });
          if (Date.now() - (lastMark.get(client)?.seenAt ?? 0) < 2000) typing = true;
        }
        if (st.cursor?.head) {
          try {
            // RelativePosition (JSON) -> index -> line number in the current text.
            const abs = relToIndex(sync, ytext, st.cursor.head);
            if (abs !== null) line = ytext.toString().slice(0, abs).split('\n').length;
          } catch {
            line = null;
          }
        }
      });
      setPartnerTyping(typing);
      setPartnerLine(line);
    };
    sync.awareness.on('change', read);
    const t = setInterval(read, 700);
    return () => {
      sync.awareness.off('change', read);
      clearInterval(t);
    };
  }, [sync, ytext]);

  function chooseLanguage(next: CodeLanguage) {
    if (next === language) return;
    const current = ytext.toString();
    const untouched = current.trim() === '' || questionLangs.some((l) => starterFor(question, l)?.trim() === current.trim());
    sync.setLanguage(next);
    const starter = starterFor(question, next);
    if (starter !== null && untouched) sync.replaceText(starter); // nothing of anyone's own is lost
  }

  // When the language changes (the partner's switch included), offer its starter code; never replace
  // silently. Not on the first load: that is no switch. Whether the offer shows is decided at render
  // (a starter exists and the editor doesn't already hold it), so a question that arrives later counts.
  const prevLanguage = useRef<CodeLanguage | null>(null);
  useEffect(() => {
    if (!state.loaded || !languageReady) return;
    const prev = prevLanguage.current;
    prevLanguage.current = language;
    if (prev !== null && prev !== language) setOffer(language);
  }, [language, state.loaded, languageReady]);
  // A new half is no language switch: its own starter is offered by the empty editor instead.
  useEffect(() => {
    prevLanguage.current = null;
    setOffer(null);
  }, [half]);
  const offerStarter = offer !== null && !ended ? starterFor(question, offer) : null;
  const textFacts = useTextFacts(ytext, offerStarter);

  const starterNow = starterFor(question, language);
  const isEmpty = textFacts.empty;
  const saveLabel =
    state.save === 'loading' ? 'Loading…'
    : state.save === 'saving' ? 'Saving…'
    : state.save === 'retrying' ? 'Not saved yet, retrying…'
    : state.save === 'closed' ? 'Read-only'
    : 'All changes saved';

  return (
    <section className="workspace" aria-label="Shared code editor" data-testid="code-workspace">
      <div className="editor-toolbar" role="toolbar" aria-label="Editor settings">
        <label className="editor-lang">
          <span className="visually-hidden">Language</span>
          <select value={language} onChange={(e) => isCodeLanguage(e.target.value) && chooseLanguage(e.target.value)}
            disabled={ended || !state.loaded} data-testid="code-language">
            {CODE_LANGUAGES.map((o) => (
              <option key={o.value} value={o.value}>{o.label}{questionLangs.length && !questionLangs.includes(o.value) ? ' (no starter)' : ''}</option>
            ))}
          </select>
        </label>
        {starterNow !== null && !ended && (
          <button type="button" className="button button-sm" onClick={() => (isEmpty ? sync.replaceText(starterNow) : setOffer(language))}
            data-testid="starter-button" title="Start from the question's starter code">
            <WandSparkles size={14} aria-hidden="true" /> Starter code
          </button>
        )}
        <span className="toolbar-spacer" />
        <span className={`save-state save-${state.save}`} data-testid="save-state" data-state={state.save} aria-live="polite">
          {saveLabel}
        </span>
        <span className="muted small" data-testid="code-transport" data-live={state.linkOpen ? 'channel' : 'firestore'}
          title={state.linkOpen ? 'Edits travel peer to peer' : 'Edits travel through the server'}>
          {state.linkOpen ? 'Live: peer to peer' : 'Live: via server'}
        </span>
        <button type="button" className="icon-button" aria-label="Smaller text" title="Smaller text"
          onClick={() => setPrefs({ fontSize: Math.max(FONT_SIZES.min, prefs.fontSize - FONT_SIZES.step) })}
          disabled={prefs.fontSize <= FONT_SIZES.min} data-testid="font-smaller">
          <Minus size={14} aria-hidden="true" />
        </button>
        <span className="font-size" data-testid="font-size" aria-label={`Text size ${prefs.fontSize} pixels`}>{prefs.fontSize}px</span>
        <button type="button" className="icon-button" aria-label="Larger text" title="Larger text"
          onClick={() => setPrefs({ fontSize: Math.min(FONT_SIZES.max, prefs.fontSize + FONT_SIZES.step) })}
          disabled={prefs.fontSize >= FONT_SIZES.max} data-testid="font-larger">
          <Plus size={14} aria-hidden="true" />
        </button>
        <button type="button" className="icon-button" data-testid="theme-toggle"
          aria-label={prefs.theme === 'dark' ? 'Light theme' : 'Dark theme'} title={prefs.theme === 'dark' ? 'Light theme' : 'Dark theme'}
          onClick={() => setPrefs({ theme: prefs.theme === 'dark' ? 'light' : 'dark' })}>
          {prefs.theme === 'dark' ? <Sun size={14} aria-hidden="true" /> : <Moon size={14} aria-hidden="true" />}
        </button>
      </div>

      {half === 2 && <FirstHalfCode sync={sync} theme={prefs.theme} />}
      {offer !== null && offerStarter !== null && !textFacts.holdsStarter && (
        <div className="notice small starter-offer" role="status" data-testid="starter-offer">
          <span>Use the {CODE_LANGUAGE_LABELS[offer]} starter code? It replaces what is in the editor for both of you.</span>
          <button type="button" className="button button-sm" data-testid="starter-accept"
            onClick={() => { sync.replaceText(offerStarter); setOffer(null); }}>Replace</button>
          <button type="button" className="button button-sm button-ghost" data-testid="starter-dismiss" onClick={() => setOffer(null)}>
            Keep the code
          </button>
        </div>
      )}
      {state.error && <div className="alert alert-error small" role="alert" data-testid="code-error">{state.error}</div>}
      {paused && (
        <div className="alert alert-error small" role="alert" data-testid="code-budget" data-budget={full ? 'codeFull' : hold?.budget}>
          {full
            ? 'The shared code has reached the most a session can store, so it can no longer change. Copy anything you want to keep.'
            : hold && holdUntil !== null && budgetHoldMessage(hold, holdUntil)}
        </div>
      )}
      {tooLarge && (
        <div className="alert alert-error small" role="alert">
          The editor holds up to {CODE_LIMITS_TEXT}; that change would go past it and was not applied.{' '}
          <button type="button" className="link-button" onClick={() => setTooLarge(false)}>Dismiss</button>
        </div>
      )}

      <div className="editor-frame">
        {!state.loaded && <div className="editor-loading" data-testid="code-loading">Loading the shared code…</div>}
        <CodeEditor key={half} sync={sync} text={ytext} language={language} theme={prefs.theme} fontSize={prefs.fontSize} readOnly={ended || paused || !state.loaded}
          label={`Shared ${CODE_LANGUAGE_LABELS[language]} code`} onTooLarge={() => setTooLarge(true)} />
        {state.loaded && isEmpty && !ended && (
          <div className="editor-empty muted small" data-testid="code-empty">
            {starterNow !== null
              ? `Empty. Start typing, or use the starter code above${half === 2 ? ' for the second question' : ''}.`
              : 'Empty. Start typing: both of you edit the same text.'}
          </div>
        )}
      </div>
      <p className="editor-hint muted small" id="editor-keys">
        Tab indents · Esc then Tab leaves the editor · Ctrl+F searches · Ctrl+Z undoes only your own edits
      </p>
      <p className="editor-status muted small" aria-live="polite" data-testid="partner-status">
        {partnerTyping ? `${partnerName} is typing…` : partnerLine !== null ? `${partnerName} is on line ${partnerLine}` : `${partnerName} isn’t in the editor yet`}
      </p>

      <RunPanel session={session} uid={uid} sync={sync} language={language} question={question} ended={ended} />
    </section>
  );
}

const CODE_LIMITS_TEXT = '64,000 characters';

/**
 * What the workspace shows from the text: whether it is empty and whether it already holds `starter`.
 * State that changes only when one of them does: holding the text itself re-rendered the whole workspace
 * (toolbar, run panel) on every keystroke, the partner's included.
 */
function useTextFacts(ytext: Y.Text, starter: string | null): { empty: boolean; holdsStarter: boolean } {
  const read = useCallback(() => {
    const t = ytext.toString().trim();
    return { empty: t === '', holdsStarter: starter !== null && t === starter.trim() };
  }, [ytext, starter]);
  const [facts, setFacts] = useState(read);
  useEffect(() => {
    const onText = () => {
      const next = read();
      setFacts((prev) => (prev.empty === next.empty && prev.holdsStarter === next.holdsStarter ? prev : next));
    };
    onText();
    ytext.observe(onText);
    return () => ytext.unobserve(onText);
  }, [ytext, read]);
  return facts;
}

/** The time now, refreshed every `everyMs` (not at all with null): a hold ends without a new snapshot. */
function useNow(everyMs: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (everyMs === null) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function relToIndex(sync: CodeSync, text: Y.Text, rel: unknown): number | null {
  const pos = Y.createRelativePositionFromJSON(rel);
  const abs = Y.createAbsolutePositionFromRelativePosition(pos, sync.doc);
  return abs && abs.type === text ? abs.index : null;
}

/** After the role switch: the first half's code, kept and read-only, one click away. */
function FirstHalfCode({ sync, theme }: { sync: CodeSync; theme: EditorTheme }) {
  const first = sync.textOf(1);
  const [text, setText] = useState(() => first.toString());
  useEffect(() => {
    const on = () => setText(first.toString());
    first.observe(on);
    return () => first.unobserve(on);
  }, [first]);
  const lang = sync.meta.get('language');
  return (
    <details className="first-half-code small" data-testid="first-half-code">
      <summary>
        Roles switched: the first half’s code is kept with the session{text.trim() === '' ? ' (it was empty)' : ''}. Show it
      </summary>
      {text.trim() !== '' && (
        <ReadOnlyCode text={text} language={isCodeLanguage(lang) ? lang : 'python'} theme={theme} label="The first half's code"
          testId="first-half-code-view" />
      )}
    </details>
  );
}
