/**
 * The one place that spells Firestore collection names (docs/architecture.md lists who writes each).
 * Only data modules import it: components and hooks get typed documents from them.
 */
export const COLLECTIONS = {
  users: 'users',
  notifications: 'notifications',
  communityProfiles: 'communityProfiles',
  matchingQueue: 'matchingQueue',
  userStats: 'userStats',
  peerSessions: 'peerSessions',
  invitations: 'invitations',
  reports: 'reports',
} as const;

/** Subcollections of peerSessions/{sessionId}. */
export const SESSION_SUBCOLLECTIONS = {
  private: 'private',
  notes: 'notes',
  feedback: 'feedback',
  signaling: 'signaling',
  presence: 'presence',
  quality: 'quality',
  callAttempts: 'callAttempts',
  code: 'code',
  codeUpdates: 'codeUpdates',
  codePresence: 'codePresence',
  board: 'board',
  boardUpdates: 'boardUpdates',
  boardPresence: 'boardPresence',
  runs: 'runs',
} as const;
