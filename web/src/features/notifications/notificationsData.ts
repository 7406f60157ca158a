/** users/{uid}/notifications: written by the functions; the owner reads them and sets `read` to true. */
import {
  collection,
  doc,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  updateDoc,
  where,
  writeBatch,
  type FirestoreError,
  type Unsubscribe,
} from 'firebase/firestore';
import { COLLECTIONS } from '../../lib/data/collections';
import { db } from '../../lib/firebase';
import type { Notification } from '../../types/models';
import { toNotification } from '../../lib/data/notification';

/** How many of the latest the bell lists, and how many unread it counts exactly. */
const LIST_SIZE = 20;
export const UNREAD_CAP = 99;

const notificationsOf = (uid: string) => collection(db, COLLECTIONS.users, uid, COLLECTIONS.notifications);

/** Follows the latest notifications, newest first (unknown kinds left out). */
export function watchNotifications(
  uid: string,
  onNotes: (notes: Notification[]) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    query(notificationsOf(uid), orderBy('createdAt', 'desc'), limit(LIST_SIZE)),
    (snap) =>
      onNotes(
        snap.docs
          .map((d) => toNotification(d.id, d.data({ serverTimestamps: 'estimate' })))
          .filter((n): n is Notification => n !== null),
      ),
    onError,
  );
}

/** Follows the number of unread notifications, up to UNREAD_CAP + 1 (the badge says "99+" beyond). */
export function watchUnreadCount(
  uid: string,
  onCount: (count: number) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    query(notificationsOf(uid), where('read', '==', false), limit(UNREAD_CAP + 1)),
    (snap) => onCount(snap.size),
    onError,
  );
}

export async function markRead(uid: string, notificationId: string): Promise<void> {
  await updateDoc(doc(notificationsOf(uid), notificationId), { read: true });
}

/** Marks every unread notification read, a batch of at most 400 at a time. */
export async function markAllRead(uid: string): Promise<number> {
  let done = 0;
  for (;;) {
    const unread = await getDocs(query(notificationsOf(uid), where('read', '==', false), limit(400)));
    if (unread.empty) return done;
    const batch = writeBatch(db);
    unread.docs.forEach((d) => batch.update(d.ref, { read: true }));
    await batch.commit();
    done += unread.size;
  }
}
