import { Timestamp } from 'firebase/firestore';
import { describe, expect, it } from 'vitest';
import { toNotification } from '../../src/lib/data/notification';
import { linkOf, unreadLabel } from '../../src/features/notifications/notificationDocs';
import { effectiveStatus, toInvitation } from '../../src/features/invitations/invitationsData';
import { NOTIFICATION_TYPES, type Notification } from '../../src/types/models';

const note = (over: Partial<Notification>): Notification => ({
  id: 'n',
  type: 'peer_match_found',
  title: 't',
  message: 'm',
  createdAt: null,
  read: false,
  ...over,
});

describe('notifications', () => {
  it('every kind the server writes is read, and an unknown kind is left out', () => {
    for (const type of NOTIFICATION_TYPES) expect(toNotification('x', { type, title: 'a' })?.type).toBe(type);
    expect(toNotification('x', { type: 'mystery' })).toBeNull();
    expect(toNotification('x', { type: 'invitation_received', invitationId: 7, read: 'yes' })).toMatchObject({
      read: false,
    });
  });

  it('each kind opens its page', () => {
    expect(linkOf(note({ type: 'peer_match_found', sessionId: 's1' }))).toBe('/session/s1');
    expect(linkOf(note({ type: 'partner_joined', sessionId: 's1' }))).toBe('/session/s1');
    expect(linkOf(note({ type: 'feedback_received', sessionId: 's1' }))).toBe('/sessions/s1');
    expect(linkOf(note({ type: 'partner_left', sessionId: 's1' }))).toBe('/sessions/s1');
    expect(linkOf(note({ type: 'match_timeout' }))).toBe('/practice');
    expect(linkOf(note({ type: 'partner_no_show', sessionId: 's1' }))).toBe('/practice');
    expect(linkOf(note({ type: 'invitation_received', invitationId: 'i1' }))).toBe('/invitations/i1');
    expect(linkOf(note({ type: 'invitation_declined', invitationId: 'i1' }))).toBe('/invitations/i1');
    expect(linkOf(note({ type: 'invitation_expired', invitationId: 'i1' }))).toBe('/invitations/i1');
    expect(linkOf(note({ type: 'invitation_accepted', invitationId: 'i1', sessionId: 's2' }))).toBe('/session/s2');
    expect(linkOf(note({ type: 'invitation_accepted', invitationId: 'i1' }))).toBe('/invitations/i1');
    expect(linkOf(note({ type: 'peer_match_found', sessionId: 'a/b' }))).toBe('/session/a%2Fb');
  });

  it('the badge caps its number', () => {
    expect(unreadLabel(3, 99)).toBe('3');
    expect(unreadLabel(100, 99)).toBe('99+');
  });
});

describe('invitations', () => {
  const base = {
    fromUid: 'a',
    toUid: 'b',
    participantIds: ['a', 'b'],
    sessionType: 'technical',
    difficulty: 'beginner',
    when: 'now',
    status: 'pending',
    expiresAt: Timestamp.fromMillis(10_000),
  };

  it('a pending invitation past its expiry shows as expired', () => {
    const inv = toInvitation('i', base);
    expect(inv).not.toBeNull();
    if (!inv) return;
    expect(effectiveStatus(inv, 9_999)).toBe('pending');
    expect(effectiveStatus(inv, 10_000)).toBe('expired');
    expect(effectiveStatus({ ...inv, status: 'accepted' }, 20_000)).toBe('accepted');
  });

  it('an unreadable invitation is left out', () => {
    expect(toInvitation('i', { ...base, sessionType: 'karaoke' })).toBeNull();
    expect(toInvitation('i', { ...base, status: 'maybe' })).toBeNull();
    expect(toInvitation('i', { ...base, fromUid: 3 })).toBeNull();
  });
});
