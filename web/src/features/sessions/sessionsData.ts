/** userStats/{uid}: written by the functions only, read here through toUserStats. */
import { doc, type DocumentData, type DocumentReference } from 'firebase/firestore';
import { COLLECTIONS } from '../../lib/data/collections';
import { readConverter } from '../../lib/data/converter';
import { httpsCallable } from 'firebase/functions';
import { db, functions } from '../../lib/firebase';
import type { UserStats } from '../../types/models';
import { toUserStats } from './sessionDocs';

const userStatsConverter = readConverter((_id, data) => toUserStats(data));

export function userStatsRef(uid: string): DocumentReference<UserStats | null, DocumentData> {
  return doc(db, COLLECTIONS.userStats, uid).withConverter(userStatsConverter);
}

const askRematchCallable = httpsCallable<{ sessionId: string }, unknown>(functions, 'askRematch');

/** "Practise again with Ada": if Ada asks too, matching pairs the two directly the next time both look. */
export async function askRematch(sessionId: string): Promise<void> {
  await askRematchCallable({ sessionId });
}
