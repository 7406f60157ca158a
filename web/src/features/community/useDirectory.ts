/** The directory's state: the applied filters, the members loaded so far, the next cursor, loading and errors. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchDirectoryPage, type DirectoryFilters, type DirectoryMember } from './directoryData';

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : '';
  return text && !/internal/i.test(text) ? text : 'The directory could not be loaded. Check your connection and try again.';
}

export function useDirectory(filters: DirectoryFilters) {
  const [members, setMembers] = useState<DirectoryMember[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  // Answers to an older filter set (typed fast, slow network) must not overwrite the newer one.
  const generation = useRef(0);

  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    fetchDirectoryPage(filters, null).then(
      (page) => {
        if (mine !== generation.current) return;
        setMembers(page.members);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setMembers([]);
        setCursor(null);
        setError(messageOf(err));
        setLoading(false);
      },
    );
  }, [filters, attempt]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const mine = generation.current;
    setLoadingMore(true);
    fetchDirectoryPage(filters, cursor).then(
      (page) => {
        if (mine !== generation.current) return;
        setMembers((prev) => [...prev, ...page.members.filter((m) => !prev.some((p) => p.uid === m.uid))]);
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(messageOf(err));
        setLoadingMore(false);
      },
    );
  }, [cursor, filters, loadingMore]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const drop = useCallback((uid: string) => setMembers((prev) => prev.filter((m) => m.uid !== uid)), []);

  return { members, hasMore: cursor !== null, loading, loadingMore, error, loadMore, retry, drop };
}
