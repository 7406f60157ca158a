import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Bell } from 'lucide-react';
import { useAuth } from '../../lib/authContext';
import type { Notification } from '../../types/models';
import { linkOf, unreadLabel } from './notificationDocs';
import { markAllRead, markRead, UNREAD_CAP, watchNotifications, watchUnreadCount } from './notificationsData';

function timeAgo(note: Notification, now: number): string {
  if (!note.createdAt) return '';
  const minutes = Math.round((now - note.createdAt.toMillis()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return note.createdAt.toDate().toLocaleDateString();
}

/** The bell in the top bar: the unread count, and the latest notifications, each opening its page. */
export function NotificationBell() {
  const { user } = useAuth();
  const uid = user?.uid ?? null;
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [notes, setNotes] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [error, setError] = useState(false);
  const wrapRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!uid) return undefined;
    const stopCount = watchUnreadCount(uid, setUnread, () => setError(true));
    const stopList = watchNotifications(uid, setNotes, () => setError(true));
    return () => {
      stopCount();
      stopList();
    };
  }, [uid]);

  // Closes on a click outside or Escape, as a menu does.
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e: MouseEvent) => {
      if (wrapRef.current && e.target instanceof Node && !wrapRef.current.contains(e.target)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  if (!uid) return null;

  function openNote(note: Notification) {
    if (!uid) return;
    if (!note.read) void markRead(uid, note.id).catch(() => setError(true));
    setOpen(false);
    void navigate(linkOf(note));
  }

  const now = Date.now();
  return (
    <div className="bell" ref={wrapRef}>
      <button
        type="button"
        className="button button-ghost button-sm bell-button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-label={unread > 0 ? `Notifications, ${unreadLabel(unread, UNREAD_CAP)} unread` : 'Notifications'}
        onClick={() => setOpen((v) => !v)}
        data-testid="bell"
      >
        <Bell size={18} aria-hidden="true" />
        {unread > 0 && (
          <span className="bell-count" data-testid="bell-count">
            {unreadLabel(unread, UNREAD_CAP)}
          </span>
        )}
      </button>
      {open && (
        <div className="bell-panel" role="region" aria-label="Notifications" data-testid="bell-panel">
          <div className="bell-head">
            <strong>Notifications</strong>
            <button
              type="button"
              className="button button-ghost button-sm"
              disabled={unread === 0}
              onClick={() => void markAllRead(uid).catch(() => setError(true))}
              data-testid="bell-mark-all"
            >
              Mark all read
            </button>
          </div>
          {error && <p className="field-error">Some notifications could not be loaded or updated.</p>}
          {notes.length === 0 ? (
            <p className="bell-empty" data-testid="bell-empty">
              Nothing yet. Matches, invitations and feedback will show up here.
            </p>
          ) : (
            <ul role="list" className="bell-list">
              {notes.map((note) => (
                <li key={note.id}>
                  <button
                    type="button"
                    className={`bell-item${note.read ? '' : ' bell-item-unread'}`}
                    onClick={() => openNote(note)}
                    data-testid="bell-item"
                    data-type={note.type}
                    data-read={note.read ? 'true' : 'false'}
                  >
                    <span className="bell-item-title">{note.title}</span>
                    <span className="bell-item-message">{note.message}</span>
                    <span className="bell-item-time">{timeAgo(note, now)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="bell-foot">
            <Link to="/invitations" onClick={() => setOpen(false)} data-testid="bell-invitations">
              Invitations and invite links
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
