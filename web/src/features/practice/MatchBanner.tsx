import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { Handshake } from 'lucide-react';
import { useAuth } from '../../lib/authContext';
import { useMatchAlert } from '../../lib/matchAlerts';
import { useNow } from '../../lib/useNow';
import { JOIN_WINDOW_MS } from './MatchFoundPanel';
import { watchQueueEntry } from './matchingQueue';

/**
 * On every page but Practice and the room: a match found (in this tab's absence, or in another tab of the
 * app) shows as a banner, with the same alerts, while its join window lasts.
 */
export function MatchBanner() {
  const { user } = useAuth();
  const uid = user?.uid ?? null;
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const [match, setMatch] = useState<{ sessionId: string; matchedMs: number } | null>(null);
  const now = useNow(match !== null, 5000);

  useEffect(() => {
    if (!uid) return undefined;
    return watchQueueEntry(uid, (entry) => {
      const matchedMs = entry?.status === 'matched' && entry.sessionId ? entry.matchedAt?.toMillis() : undefined;
      setMatch(entry?.sessionId && matchedMs !== undefined ? { sessionId: entry.sessionId, matchedMs } : null);
    });
  }, [uid]);

  const elsewhere = !pathname.startsWith('/practice') && !pathname.startsWith('/session/');
  const show = match !== null && elsewhere && now < match.matchedMs + JOIN_WINDOW_MS;
  useMatchAlert(
    show && match
      ? {
          key: match.sessionId,
          title: 'Match found · Salamin',
          body: 'Your practice partner is waiting. Join within five minutes.',
          onOpen: () => void navigate('/practice'),
        }
      : null,
  );
  if (!show) return null;
  return (
    <div className="banner banner-success" role="status" data-testid="match-banner">
      <div className="container banner-inner">
        <Handshake size={16} aria-hidden="true" />
        <span>
          Match found! <Link to="/practice">See your match and join</Link> within five minutes.
        </span>
      </div>
    </div>
  );
}
