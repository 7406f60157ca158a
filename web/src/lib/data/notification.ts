/** Reading a users/{uid}/notifications document (shared: the bell and the Practice page both read them). Pure. */
import type { DocumentData } from 'firebase/firestore';
import { isTimestamp, stringArray, stringOr } from '../firestoreValues';
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
