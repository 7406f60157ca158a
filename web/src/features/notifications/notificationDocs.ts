/** Where each kind of notification leads, and the bell's label. Pure: no Firestore. */
import type { Notification } from '../../types/models';

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
    case 'invitation_expired':
      return invitation ? `/invitations/${invitation}` : '/invitations';
  }
}

/** "9+" beyond what the badge shows in full. */
export function unreadLabel(count: number, cap: number): string {
  return count > cap ? `${cap}+` : String(count);
}
