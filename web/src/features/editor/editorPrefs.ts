/** Personal editor settings (theme, font size): this browser only, never shared with the partner. */
import { useEffect, useState } from 'react';
import type { EditorTheme } from './editorSetup';

export interface EditorPrefs {
  theme: EditorTheme;
  fontSize: number;
}

const KEY = 'salamin.editor.prefs';
export const FONT_SIZES = { min: 11, max: 24, step: 1, default: 14 } as const;

function prefersDark(): boolean {
  return typeof window !== 'undefined' && !!window.matchMedia?.('(prefers-color-scheme: dark)').matches;
}

function read(): EditorPrefs {
  const fallback: EditorPrefs = { theme: prefersDark() ? 'dark' : 'light', fontSize: FONT_SIZES.default };
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<EditorPrefs> | null;
    if (!raw) return fallback;
    const size = Number(raw.fontSize);
    return {
      theme: raw.theme === 'dark' || raw.theme === 'light' ? raw.theme : fallback.theme,
      fontSize: Number.isFinite(size) ? Math.min(FONT_SIZES.max, Math.max(FONT_SIZES.min, Math.round(size))) : fallback.fontSize,
    };
  } catch {
    return fallback;
  }
}

export function useEditorPrefs(): [EditorPrefs, (patch: Partial<EditorPrefs>) => void] {
  const [prefs, setPrefs] = useState<EditorPrefs>(read);
  useEffect(() => {
    try {
      localStorage.setItem(KEY, JSON.stringify(prefs));
    } catch {
      /* private mode: the settings last for this page only */
    }
  }, [prefs]);
  return [prefs, (patch) => setPrefs((p) => ({ ...p, ...patch }))];
}
