/**
 * Telling someone their match is found while they look elsewhere: the tab's title and favicon change while
 * the page is in the background, a short sound plays (it can be turned off; the choice is remembered), and a
 * browser notification appears once they allowed it (asked on a click, never on page load). Several tabs
 * of the app each see the match through their own listener; the sound and the notification come once,
 * from whichever tab claims the match first.
 */
import { useEffect } from 'react';

const SOUND_KEY = 'salamin.matchSound';
const CLAIM_KEY = 'salamin.matchAlerted';
const ALERT_ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Ccircle cx='16' cy='16' r='14' fill='%2316a34a'/%3E%3Cpath d='M9 16.5l4.5 4.5L23 11.5' stroke='white' stroke-width='3.5' fill='none' stroke-linecap='round' stroke-linejoin='round'/%3E%3C/svg%3E";

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage blocked: nothing is remembered, nothing breaks
  }
}

export function matchSoundOn(): boolean {
  return storage()?.getItem(SOUND_KEY) !== 'off';
}

export function setMatchSoundOn(on: boolean): void {
  storage()?.setItem(SOUND_KEY, on ? 'on' : 'off');
}

/** Two short rising tones (no audio file to load). Browsers may refuse before any click: then silence. */
function playChime(): void {
  const Ctor = typeof window === 'undefined' ? undefined : window.AudioContext;
  if (!Ctor) return;
  try {
    const ctx = new Ctor();
    [660, 880].forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const start = ctx.currentTime + i * 0.18;
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.17);
    });
    window.setTimeout(() => void ctx.close(), 800);
  } catch {
    // No sound is better than a broken page.
  }
}

export type NotificationAccess = 'unsupported' | 'default' | 'granted' | 'denied';

export function notificationAccess(): NotificationAccess {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks for permission (call it from a click). */
export async function askNotificationAccess(): Promise<NotificationAccess> {
  if (typeof Notification === 'undefined') return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** True for the first tab to claim this match (the one that plays the sound and notifies). */
function claim(matchKey: string): boolean {
  const store = storage();
  if (!store) return true;
  if (store.getItem(CLAIM_KEY) === matchKey) return false;
  store.setItem(CLAIM_KEY, matchKey);
  return true;
}

interface MatchAlert {
  /** Identifies the match (the session id): each match alerts once. */
  key: string;
  title: string;
  body: string;
  /** Where a click on the notification takes the user. */
  onOpen: () => void;
}

/**
 * While `alert` is set: sound and notification once per match (in one tab), and in a background tab a
 * changed title and favicon until the tab is looked at or the alert ends.
 */
export function useMatchAlert(alert: MatchAlert | null): void {
  const key = alert?.key ?? null;
  useEffect(() => {
    if (!alert || typeof document === 'undefined') return;
    if (claim(alert.key)) {
      if (matchSoundOn()) playChime();
      if (document.hidden && notificationAccess() === 'granted') {
        try {
          const note = new Notification(alert.title, { body: alert.body, tag: `match-${alert.key}` });
          note.onclick = () => {
            window.focus();
            alert.onOpen();
            note.close();
          };
        } catch {
          // Some browsers only notify from a service worker: the title and favicon still tell.
        }
      }
    }
    const originalTitle = document.title;
    const icon = document.querySelector<HTMLLinkElement>('link[rel~="icon"]');
    const originalIcon = icon?.href ?? null;
    const mark = () => {
      if (document.hidden) {
        document.title = `● ${alert.title}`;
        if (icon) icon.href = ALERT_ICON;
      } else {
        document.title = originalTitle;
        if (icon && originalIcon !== null) icon.href = originalIcon;
      }
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => {
      document.removeEventListener('visibilitychange', mark);
      if (document.title.startsWith('● ')) document.title = originalTitle;
      if (icon && originalIcon !== null) icon.href = originalIcon;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one alert per match, whatever else re-renders
  }, [key]);
}
