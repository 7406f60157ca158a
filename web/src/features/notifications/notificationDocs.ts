/** Reading a users/{uid}/notifications document and deciding where each kind leads. Pure: no Firestore. */
import type { DocumentData } from 'firebase/firestore';
import { isTimestamp, stringArray, stringOr } from '../../lib/firestoreValues';
import { isNotificationType, type Notification, type NotificationSuggestion } from '../../types/models';

const SUGGESTIONS: readonly NotificationSuggestion[] = ['widen_preferences', 'book_slot'];

/** The checked notification, or null for a kind this app does not know (a newer server, a stray write). */
export function toNotification(id: string, data: DocumentData): Notification | null {
  if (!isNotificationType(data.type)) return null;
  const note: Notification = {
    id,
    type: data.type,
    title: stringOr(data.title, ''),
    message: stringOr(data.message, ''),
    createdAt: isTimestamp(data.createdAt) ? data.createdAt : null,
    read: data.read === true,
  };
  if (typeof data.sessionId === 'string' && data.sessionId) note.sessionId = data.sessionId;
  if (typeof data.partnerName === 'string') note.partnerName = data.partnerName;
  if (typeof data.invitationId === 'string' && data.invitationId) note.invitationId = data.invitationId;
  if (Array.isArray(data.suggestions))
    note.suggestions = stringArray(data.suggestions).filter((s): s is NotificationSuggestion =>
      (SUGGESTIONS as readonly string[]).includes(s),
    );
  return note;
}

/** The page a notification opens: the room for a live session, its page once it is over, the invitation. */
export function linkOf(note: Notification): string {
  const session = note.sessionId ? encodeURIComponent(note.sessionId) : null;
  const invitation = note.invitationId ? encodeURIComponent(note.invitationId) : null;
  switch (note.type) {
    case 'peer_match_found':
    case 'partner_joined':
      return session ? `/session/${session}` : '/practice';
    case 'invitation_accepted':
      if (session) return `/session/${session}`;
      return invitation ? `/invitations/${invitation}` : '/invitations';
    case 'partner_left':
    case 'feedback_received':
      return session ? `/sessions/${session}` : '/sessions';
    case 'partner_no_show':
    case 'partner_declined':
    case 'match_timeout':
      return '/practice';
    case 'invitation_received':
    case 'invitation_declined':
      return invitation ? `/invitations/${invitation}` : '/invitations';
  }
}

/** "9+" beyond what the badge shows in full. */
export function unreadLabel(count: number, cap: number): string {
  return count > cap ? `${cap}+` : String(count);
}
