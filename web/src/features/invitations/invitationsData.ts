/**
 * invitations/{id}: written only by the callables (functions/salamin/invitations.py), read here by its two
 * people. Every change goes through a callable, which checks blocks, suspensions, expiry and the daily limit.
 */
import {
  collection,
  doc,
  limit,
  onSnapshot,
  query,
  where,
  type DocumentData,
  type FirestoreError,
  type Unsubscribe,
} from 'firebase/firestore';
import { httpsCallable } from 'firebase/functions';
import { COLLECTIONS } from '../../lib/data/collections';
import { db, functions } from '../../lib/firebase';
import { isTimestamp, stringOr } from '../../lib/firestoreValues';
import {
  INVITATION_STATUSES,
  isDifficulty,
  isSessionType,
  type Difficulty,
  type Invitation,
  type InvitationStatus,
  type InviterRole,
  type SessionType,
} from '../../types/models';

function toInviterRole(value: unknown): InviterRole {
  return value === 'interviewer' || value === 'interviewee' ? value : 'either';
}

export function toInvitation(id: string, data: DocumentData): Invitation | null {
  if (typeof data.fromUid !== 'string' || typeof data.toUid !== 'string') return null;
  if (!isSessionType(data.sessionType) || !isDifficulty(data.difficulty)) return null;
  const status = (INVITATION_STATUSES as readonly unknown[]).includes(data.status)
    ? (data.status as InvitationStatus)
    : null;
  if (!status) return null;
  return {
    id,
    fromUid: data.fromUid,
    toUid: data.toUid,
    fromName: stringOr(data.fromName, 'A member'),
    toName: stringOr(data.toName, 'A member'),
    sessionType: data.sessionType,
    difficulty: data.difficulty,
    when: data.when === 'scheduled' ? 'scheduled' : 'now',
    proposedAt: isTimestamp(data.proposedAt) ? data.proposedAt : null,
    expiresAt: isTimestamp(data.expiresAt) ? data.expiresAt : null,
    status,
    sessionId: typeof data.sessionId === 'string' && data.sessionId ? data.sessionId : null,
    viaLink: data.viaLink === true,
    inviterRole: toInviterRole(data.inviterRole),
    createdAt: isTimestamp(data.createdAt) ? data.createdAt : null,
  };
}

/** What the page shows: a pending invitation past its expiry is expired, whatever the server wrote yet. */
export function effectiveStatus(inv: Invitation, nowMs: number): InvitationStatus {
  if (inv.status === 'pending' && inv.expiresAt && inv.expiresAt.toMillis() <= nowMs) return 'expired';
  return inv.status;
}

export function watchInvitation(
  id: string,
  onInvitation: (inv: Invitation | null) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    doc(db, COLLECTIONS.invitations, id),
    (snap) => {
      const data = snap.data({ serverTimestamps: 'estimate' });
      onInvitation(data ? toInvitation(snap.id, data) : null);
    },
    onError,
  );
}

/** The member's invitations, both ways, newest first (the latest 50; a member sends at most 10 a day). */
export function watchMyInvitations(
  uid: string,
  onInvitations: (invs: Invitation[]) => void,
  onError: (error: FirestoreError) => void,
): Unsubscribe {
  return onSnapshot(
    query(collection(db, COLLECTIONS.invitations), where('participantIds', 'array-contains', uid), limit(50)),
    (snap) =>
      onInvitations(
        snap.docs
          .map((d) => toInvitation(d.id, d.data({ serverTimestamps: 'estimate' })))
          .filter((i): i is Invitation => i !== null)
          .sort((a, b) => (b.createdAt?.toMillis() ?? 0) - (a.createdAt?.toMillis() ?? 0)),
      ),
    onError,
  );
}

interface CreateRequest {
  toUid: string;
  sessionType: SessionType;
  difficulty: Difficulty;
  proposedAtMs?: number;
  firstRole?: InviterRole;
}
const createCallable = httpsCallable<CreateRequest, { invitationId: string }>(functions, 'createInvitation');
const acceptCallable = httpsCallable<{ invitationId: string }, { sessionId: string | null; startsAtMs?: number }>(
  functions,
  'acceptInvitation',
);
const declineCallable = httpsCallable<{ invitationId: string }, unknown>(functions, 'declineInvitation');
const withdrawCallable = httpsCallable<{ invitationId: string }, unknown>(functions, 'withdrawInvitation');
const linkCallable = httpsCallable<{ sessionType: SessionType; difficulty: Difficulty }, { token: string; expiresAtMs: number }>(
  functions,
  'createInviteLink',
);
const redeemCallable = httpsCallable<{ token: string }, { invitationId: string }>(functions, 'redeemInviteLink');

export async function createInvitation(req: CreateRequest): Promise<string> {
  return (await createCallable(req)).data.invitationId;
}

export async function acceptInvitation(invitationId: string): Promise<string | null> {
  return (await acceptCallable({ invitationId })).data.sessionId ?? null;
}

export async function declineInvitation(invitationId: string): Promise<void> {
  await declineCallable({ invitationId });
}

export async function withdrawInvitation(invitationId: string): Promise<void> {
  await withdrawCallable({ invitationId });
}

export async function createInviteLink(
  sessionType: SessionType,
  difficulty: Difficulty,
): Promise<{ token: string; expiresAtMs: number }> {
  return (await linkCallable({ sessionType, difficulty })).data;
}

export async function redeemInviteLink(token: string): Promise<string> {
  return (await redeemCallable({ token })).data.invitationId;
}
