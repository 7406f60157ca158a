/** The room's side panel (question, notes, feedback) can be widened; the choice is kept in this browser. */
import { useCallback, useState } from 'react';

const KEY = 'salamin.room.sideWide';

function read(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false; // storage refused (private mode): narrow, as by default
  }
}

export function useWideSidePanel(): [boolean, () => void] {
  const [wide, setWide] = useState(read);
  const toggle = useCallback(() => {
    setWide((w) => {
      try {
        localStorage.setItem(KEY, w ? '0' : '1');
      } catch {
        // Not remembered, still applied.
      }
      return !w;
    });
  }, []);
  return [wide, toggle];
}
