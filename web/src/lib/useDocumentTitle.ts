import { useEffect } from 'react';

const APP_TITLE = 'Salamin — practise interviews with a peer';

/** Sets the tab title to "Page · Salamin" (or the app title when no page is given). */
export function useDocumentTitle(page?: string): void {
  useEffect(() => {
    document.title = page ? `${page} · Salamin` : APP_TITLE;
  }, [page]);
}
