/**
 * Document types and enums shared across the Salamin web app.
 * This is the one place for them: features import from here.
 */
import type { Bytes, Timestamp } from 'firebase/firestore';

/** A value with a human label, for selects, chips and display. */
export interface Option<T extends string> {
  readonly value: T;
  readonly label: string;
  readonly description?: string;
}

function labelsOf<T extends string>(options: readonly Option<T>[]): Readonly<Record<T, string>> {
  const out = {} as Record<T, string>;
  for (const o of options) out[o.value] = o.label;
  return out;
}

function guardFor<T extends string>(options: readonly Option<T>[]): (v: unknown) => v is T {
  const values = new Set<string>(options.map((o) => o.value));
  return (v: unknown): v is T => typeof v === 'string' && values.has(v);
}

// ---------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------

export type SessionType = 'behavioral' | 'technical' | 'case_study' | 'mixed';
export const SESSION_TYPES: readonly Option<SessionType>[] = [
  { value: 'behavioral', label: 'Behavioral', description: 'Stories about your past work, teamwork and judgement.' },
  { value: 'technical', label: 'Technical', description: 'Coding and problem solving in the shared editor.' },
  { value: 'case_study', label: 'Case study', description: 'Structured business or product problems.' },
  { value: 'mixed', label: 'Mixed', description: 'A bit of everything.' },
];
export const SESSION_TYPE_LABELS = labelsOf(SESSION_TYPES);
export const isSessionType = guardFor(SESSION_TYPES);

export type Difficulty = 'beginner' | 'intermediate' | 'advanced';
export const DIFFICULTIES: readonly Option<Difficulty>[] = [
  { value: 'beginner', label: 'Beginner' },
  { value: 'intermediate', label: 'Intermediate' },
  { value: 'advanced', label: 'Advanced' },
];
export const DIFFICULTY_LABELS = labelsOf(DIFFICULTIES);
export const isDifficulty = guardFor(DIFFICULTIES);

export type RolePreference = 'interviewer' | 'interviewee' | 'flexible';
export const ROLE_PREFERENCES: readonly Option<RolePreference>[] = [
  { value: 'interviewer', label: 'Interviewer first' },
  { value: 'interviewee', label: 'Interviewee first' },
  { value: 'flexible', label: 'Either is fine' },
];
export const ROLE_PREFERENCE_LABELS = labelsOf(ROLE_PREFERENCES);
export const isRolePreference = guardFor(ROLE_PREFERENCES);

export type ExperienceLevel = 'entry' | 'mid' | 'senior';
export const EXPERIENCE_LEVELS: readonly Option<ExperienceLevel>[] = [
  { value: 'entry', label: 'Entry level', description: '0–2 years' },
  { value: 'mid', label: 'Mid level', description: '3–6 years' },
  { value: 'senior', label: 'Senior', description: '7+ years' },
];
export const EXPERIENCE_LEVEL_LABELS = labelsOf(EXPERIENCE_LEVELS);
export const isExperienceLevel = guardFor(EXPERIENCE_LEVELS);

/** communityProfiles.feedbackStyle: how a member likes to hear feedback. */
export type FeedbackStyle = 'direct' | 'balanced' | 'encouraging';
export const FEEDBACK_STYLES: readonly Option<FeedbackStyle>[] = [
  { value: 'direct', label: 'Direct', description: 'Tell me straight what to fix.' },
  { value: 'balanced', label: 'Balanced', description: 'What went well and what to fix.' },
  { value: 'encouraging', label: 'Encouraging', description: 'Lead with strengths, gently.' },
];
export const FEEDBACK_STYLE_LABELS = labelsOf(FEEDBACK_STYLES);
export const isFeedbackStyle = guardFor(FEEDBACK_STYLES);

/**
 * Spoken languages a member can interview in (stored as the lowercase value).
 * The same vocabulary as the Firestore rules and functions/salamin/matching.py: keep them in step.
 */
export type SpokenLanguage =
  | 'english' | 'spanish' | 'french' | 'german' | 'portuguese' | 'hindi' | 'mandarin'
  | 'japanese' | 'arabic' | 'russian' | 'tagalog' | 'korean' | 'italian' | 'turkish'
  | 'vietnamese' | 'indonesian' | 'polish' | 'dutch' | 'ukrainian' | 'bengali';
export const SPOKEN_LANGUAGES: readonly Option<SpokenLanguage>[] = [
  { value: 'english', label: 'English' },
  { value: 'spanish', label: 'Spanish' },
  { value: 'french', label: 'French' },
  { value: 'german', label: 'German' },
  { value: 'portuguese', label: 'Portuguese' },
  { value: 'hindi', label: 'Hindi' },
  { value: 'mandarin', label: 'Mandarin Chinese' },
  { value: 'japanese', label: 'Japanese' },
  { value: 'arabic', label: 'Arabic' },
  { value: 'russian', label: 'Russian' },
  { value: 'tagalog', label: 'Tagalog / Filipino' },
  { value: 'korean', label: 'Korean' },
  { value: 'italian', label: 'Italian' },
  { value: 'turkish', label: 'Turkish' },
  { value: 'vietnamese', label: 'Vietnamese' },
  { value: 'indonesian', label: 'Indonesian' },
  { value: 'polish', label: 'Polish' },
  { value: 'dutch', label: 'Dutch' },
  { value: 'ukrainian', label: 'Ukrainian' },
  { value: 'bengali', label: 'Bengali' },
];
export const SPOKEN_LANGUAGE_LABELS = labelsOf(SPOKEN_LANGUAGES);
export const isSpokenLanguage = guardFor(SPOKEN_LANGUAGES);

/** Industries (same vocabulary as the Firestore rules and functions/salamin/matching.py). */
export type Industry =
  | 'tech' | 'finance' | 'healthcare' | 'consulting' | 'ecommerce' | 'gaming' | 'education'
  | 'government' | 'media' | 'telecom' | 'automotive' | 'energy' | 'other';
export const INDUSTRIES: readonly Option<Industry>[] = [
  { value: 'tech', label: 'Technology' },
  { value: 'finance', label: 'Finance' },
  { value: 'healthcare', label: 'Healthcare' },
  { value: 'consulting', label: 'Consulting' },
  { value: 'ecommerce', label: 'E-commerce' },
  { value: 'gaming', label: 'Gaming' },
  { value: 'education', label: 'Education' },
  { value: 'government', label: 'Government' },
  { value: 'media', label: 'Media' },
  { value: 'telecom', label: 'Telecommunications' },
  { value: 'automotive', label: 'Automotive' },
  { value: 'energy', label: 'Energy' },
  { value: 'other', label: 'Other' },
];
export const INDUSTRY_LABELS = labelsOf(INDUSTRIES);
export const isIndustry = guardFor(INDUSTRIES);

// ---------------------------------------------------------------------------
// users/{uid} — private to its owner
// ---------------------------------------------------------------------------

/**
 * users/{uid}: created by the bootstrapProfile function. Private to its owner, who may change
 * only their private settings (today: the block list).
 */
export interface UserProfile {
  uid: string;
  displayName: string;
  email: string;
  createdAt: Timestamp | null;
  /** Private: members this user never wants to be matched with. Owner-writable (BLOCK_LIST_LIMITS). */
  blockedUserIds: string[];
  /** Written by the server: the times (ms) of this user's queue joins in the last hour. */
  queueJoins?: number[];
  /** Written by the server: the preferences of the user's last "Find a partner" (form defaults). */
  lastPreferences?: MatchingPreferences;
  /** Written by the server: the latest partners, most recent first (not matched again right away). */
  recentPartners?: string[];
}

// ---------------------------------------------------------------------------
// communityProfiles/{uid} — readable by signed-in members
// ---------------------------------------------------------------------------

export interface CommunityProfile {
  uid: string;
  displayName: string;
  headline: string;
  bio: string;
  experienceLevel: ExperienceLevel;
  /** IANA time zone, e.g. "Europe/Berlin". */
  timeZone: string;
  /** Spoken languages, e.g. ['english']. */
  languages: SpokenLanguage[];
  industries: Industry[];
  targetRoles: string[];
  /** Free tags such as "System design" (≤ 10, each ≤ 40 characters). */
  specialties: string[];
  /** Shown in the Community directory (false until the member chooses it). */
  listed: boolean;
  /** Weekly ranges in the member's time zone, "mon 09:00-12:00;wed 18:00-21:00" ("" = none given). */
  availability: string;
  openToRandom: boolean;
  preferredSessionTypes: SessionType[];
  maxSessionsPerDay: number;
  feedbackStyle: FeedbackStyle;
  openToMentoring: boolean;
  /** The first-sign-in step was finished or skipped. */
  onboarded: boolean;
  /** Written by the server only. */
  reputation: number;
  /** Written by the server only. */
  joinedAt: Timestamp | null;
  updatedAt?: Timestamp | null;
  /** Written by the server only: the public part of userStats/{uid}. */
  peerStats?: PeerStats;
  /** Written by the server only: badge ids (functions/salamin/stats.py BADGES). */
  badges: string[];
}

/** communityProfiles/{uid}.peerStats: what other members may see of someone's practice record. */
export interface PeerStats {
  completedSessions: number;
  /** 0 when there are no ratings yet. */
  averageRating: number;
  totalRatings: number;
  /** Minutes of interview halves practised. */
  practiceMinutes: number;
  /** Halves as interviewer and as interviewee. */
  asInterviewer: number;
  asInterviewee: number;
  /** The tags partners gave most (revealed feedback only). */
  topTags: { tag: FeedbackTag; count: number }[];
}

/** The fields of a community profile that its owner may write from the client. */
export const COMMUNITY_PROFILE_CLIENT_FIELDS = [
  'displayName',
  'headline',
  'bio',
  'experienceLevel',
  'timeZone',
  'languages',
  'industries',
  'targetRoles',
  'specialties',
  'listed',
  'availability',
  'openToRandom',
  'preferredSessionTypes',
  'maxSessionsPerDay',
  'feedbackStyle',
  'openToMentoring',
  'onboarded',
] as const satisfies readonly (keyof CommunityProfile)[];

export type CommunityProfileClientField = (typeof COMMUNITY_PROFILE_CLIENT_FIELDS)[number];
export type CommunityProfileEditable = Pick<CommunityProfile, CommunityProfileClientField>;

/** users/{uid}.blockedUserIds: distinct uids of this shape, at most this many (rules and server alike). */
export const BLOCK_LIST_LIMITS = {
  max: 200,
  uidPattern: /^[A-Za-z0-9_-]{1,128}$/,
} as const;

/** Limits that the form enforces (and that the security rules are expected to mirror). */
export const PROFILE_LIMITS = {
  displayNameMin: 1,
  displayNameMax: 60,
  headlineMax: 120,
  bioMax: 1000,
  languagesMin: 1,
  languagesMax: 5,
  industriesMax: 10,
  targetRolesMax: 10,
  targetRoleMax: 40,
  specialtiesMax: 10,
  specialtyMax: 40,
  timeZoneMax: 64,
  preferredSessionTypesMax: 4,
  maxSessionsPerDayMin: 1,
  maxSessionsPerDayMax: 10,
  availabilityRangesMax: 14,
  availabilityMax: 223,
} as const;

/** communityProfiles.availability: the shape the rules accept (functions/salamin/vocabulary.py). */
export const AVAILABILITY_PATTERN = /^((mon|tue|wed|thu|fri|sat|sun) ([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)(;(mon|tue|wed|thu|fri|sat|sun) ([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)){0,13})?$/;

// ---------------------------------------------------------------------------
// Matching: matchingQueue/{uid}, peerSessions/{id}, users/{uid}/notifications/{id}
// ---------------------------------------------------------------------------

/** Who speaks first in one half of a session. */
export type ParticipantRole = 'interviewer' | 'interviewee';
export const PARTICIPANT_ROLES: readonly Option<ParticipantRole>[] = [
  { value: 'interviewer', label: 'Interviewer' },
  { value: 'interviewee', label: 'Interviewee' },
];
export const PARTICIPANT_ROLE_LABELS = labelsOf(PARTICIPANT_ROLES);
export const isParticipantRole = guardFor(PARTICIPANT_ROLES);

/** Short labels for a segmented control ("Interviewer / Interviewee / Either"). */
export const ROLE_PREFERENCE_SHORT_LABELS: Readonly<Record<RolePreference, string>> = {
  interviewer: 'Interviewer',
  interviewee: 'Interviewee',
  flexible: 'Either',
};

/**
 * Limits of a queue entry: the Firestore rules and functions/salamin/vocabulary.py hold the same
 * (tests/unit/test_vocabulary.py fails when they drift).
 */
export const MATCHING_LIMITS = {
  sessionTypesMin: 1,
  sessionTypesMax: 4,
  difficultyLevelsMin: 1,
  difficultyLevelsMax: 3,
  languagesMin: 1,
  languagesMax: 5,
  industriesMax: 10,
  targetRolesMax: 10,
  targetRoleMin: 1,
  targetRoleMax: 40,
  timeZoneMin: 1,
  timeZoneMax: 64,
  /** Seconds. */
  maxWaitMin: 30,
  /** Seconds. */
  maxWaitMax: 900,
} as const;

/**
 * Shape of an IANA zone name: functions/salamin/vocabulary.py (TIME_ZONE_PATTERN) and the rules check the
 * same (tests/unit/test_vocabulary.py proves the three equal).
 */
export const TIME_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** The waits offered in the form, in seconds. */
export const MAX_WAIT_OPTIONS: readonly { readonly seconds: number; readonly label: string }[] = [
  { seconds: 30, label: '30 seconds' },
  { seconds: 60, label: '1 minute' },
  { seconds: 120, label: '2 minutes' },
  { seconds: 300, label: '5 minutes' },
  { seconds: 600, label: '10 minutes' },
  { seconds: 900, label: '15 minutes' },
];

/** What a member asks for when they look for a partner (the client-written part of a queue entry). */
export interface MatchingPreferences {
  /** 1–4, distinct. */
  sessionTypes: SessionType[];
  /** 1–3, distinct. */
  difficultyLevels: Difficulty[];
  rolePreference: RolePreference;
  /** 1–5, distinct. */
  languages: SpokenLanguage[];
  /** 0–10, distinct. */
  industries: Industry[];
  /** 0–10 distinct strings of 1–40 characters. */
  targetRoles: string[];
  /** IANA time zone, 1–64 characters. */
  timeZone: string;
  experienceLevel: ExperienceLevel;
  /** Whole seconds, 30..900: after this the server gives up and writes a 'match_timeout' notification. */
  maxWaitTime: number;
}

export const MATCHING_PREFERENCE_FIELDS = [
  'sessionTypes',
  'difficultyLevels',
  'rolePreference',
  'languages',
  'industries',
  'targetRoles',
  'timeZone',
  'experienceLevel',
  'maxWaitTime',
] as const satisfies readonly (keyof MatchingPreferences)[];

/** 'refused': the server turned the join down (over the hourly join budget); the member may delete it. */
export type MatchingQueueStatus = 'waiting' | 'matched' | 'refused';

/**
 * Queue joins a member may make per hour (functions/salamin/vocabulary.py QUEUE_JOINS_PER_HOUR; the
 * matching trigger counts them, since the rules cannot).
 */
export const QUEUE_JOINS_PER_HOUR = 20;

/**
 * matchingQueue/{uid}: one entry per member. The member creates it as 'waiting' (exactly the
 * preference fields plus uid, status and joinedAt = server time) and may delete it; everything else
 * is written by the matching functions.
 */
export interface MatchingQueueEntry extends MatchingPreferences {
  uid: string;
  status: MatchingQueueStatus;
  /** Server time of joining (an estimate while the write is pending). */
  joinedAt: Timestamp | null;
  /** Server-written once matched. */
  sessionId?: string;
  /** Server-written once matched: the partner's uid. */
  matchedWith?: string;
  /** Server-written once matched. */
  matchedAt?: Timestamp | null;
  /** Server-written: recent partners this entry must not be matched with again right away. */
  lastMatchedWith?: string[];
  /** Server-written when refused: when another join fits in the hourly budget. */
  retryAt?: Timestamp | null;
  /** Server-written when a partner's "Not now" (or no-show) put this entry back: that session's id. */
  requeuedFrom?: string;
}

export type ConnectionStatus = 'pending' | 'connecting' | 'connected' | 'disconnected';
export const isConnectionStatus = (v: unknown): v is ConnectionStatus =>
  v === 'pending' || v === 'connecting' || v === 'connected' || v === 'disconnected';

export interface PeerSessionParticipant {
  userId: string;
  displayName: string;
  /** The role for the first half; the two swap halfway. */
  role: ParticipantRole;
  connectionStatus: ConnectionStatus;
  audioEnabled: boolean;
  videoEnabled: boolean;
  screenSharing: boolean;
  joinedAt: Timestamp | null;
  leftAt: Timestamp | null;
}

/** The server-owned lifecycle: matched → starting → active → ending → completed, or cancelled. */
export type PeerSessionStatus = 'matched' | 'starting' | 'active' | 'ending' | 'completed' | 'cancelled';
export const PEER_SESSION_STATUSES: readonly PeerSessionStatus[] = [
  'matched', 'starting', 'active', 'ending', 'completed', 'cancelled',
];
export const isPeerSessionStatus = (v: unknown): v is PeerSessionStatus =>
  typeof v === 'string' && (PEER_SESSION_STATUSES as readonly string[]).includes(v);
/** Statuses in which the two can still meet in the room. */
export const LIVE_SESSION_STATUSES: readonly PeerSessionStatus[] = ['matched', 'starting', 'active', 'ending'];

/**
 * The six phases of an interview, by phaseIndex (the server's lifecycle.PHASES). Roles swap when
 * phase 2 (role switch) begins; feedback opens at phase 4.
 */
export const SESSION_PHASE_LABELS: readonly string[] = [
  'Introductions',
  'Interview — first half',
  'Switch roles',
  'Interview — second half',
  'Feedback',
  'Wrap-up',
];
export const ROLE_SWITCH_PHASE_INDEX = 2;
export const FEEDBACK_PHASE_INDEX = 4;
export const LAST_PHASE_INDEX = 5;

/** Why a session ended (server-written). */
/** 'declined_role': "Not now" on a match that bent the decliner's first-role wish (it costs nothing). */
export type SessionEndReason = 'finished' | 'time_limit' | 'left_early' | 'no_show' | 'called_off' | 'declined_role';
export const SESSION_END_REASONS: readonly SessionEndReason[] = [
  'finished', 'time_limit', 'left_early', 'no_show', 'called_off', 'declined_role',
];
export const isSessionEndReason = (v: unknown): v is SessionEndReason =>
  typeof v === 'string' && (SESSION_END_REASONS as readonly string[]).includes(v);

/** A coding question's public material (starters, visible tests). */
export interface PublicQuestionCode {
  /** By language: the starter code (and, for SQL, the schema setup). */
  languages: Record<string, { starter: string; setup?: string }>;
  tests: { id: string; stdin?: string; setup?: string; expected: string; hidden?: boolean }[];
  stdinFormat?: string;
}

/** One question as both participants see it (session.questionSet): never hints or solutions. */
export interface PublicQuestion {
  id: string;
  version?: number;
  title: string;
  prompt: string;
  difficulty: string;
  tags: string[];
  category: string;
  estimatedMinutes: number;
  code?: PublicQuestionCode;
}

/** The questions of each half, by half: "1" is revealed when the interview starts, "2" at the role switch. */
export type QuestionSet = Partial<Record<'1' | '2', PublicQuestion[]>>;

/** A question's private material: peerSessions/{id}/private/{interviewerUid}, for the current interviewer only. */
export interface PrivateQuestion {
  id: string;
  hints?: string[];
  solution?: string;
  rubric?: { criterion: string; description: string }[];
}
export interface PrivateQuestionsDoc {
  half: number;
  questions: PrivateQuestion[];
}

/** peerSessions/{sessionId}: created by the matching functions; readable by its two participants. */
export interface PeerSession {
  id: string;
  participantIds: string[];
  /** Each participant with their FIRST-half role. */
  participants: PeerSessionParticipant[];
  /** The current role of each participant, by uid (swapped when the role switch begins). */
  roles: Record<string, ParticipantRole>;
  status: PeerSessionStatus;
  /** 'match' for "Find a partner" (booked slots come later). */
  source: string;
  sessionType: SessionType;
  difficulty: Difficulty;
  language: SpokenLanguage;
  /** Minutes. */
  estimatedDuration: number;
  /** Minutes: when the two swap roles. */
  halfDuration: number;
  currentPhase: string | null;
  requiresCodeEditor: boolean;
  requiresWhiteboard: boolean;
  recordingEnabled: boolean;
  createdAt: Timestamp | null;
  matchedAt: Timestamp | null;
  /** The participant whose first-role wish gave way to match them (their "Not now" costs nothing). */
  bentRoleFor?: string | null;

  // ---- written by the interview functions once the two meet (absent on a just-matched session) ----
  /** 0..5 (see SESSION_PHASE_LABELS); null or absent until both are in the room. */
  phaseIndex?: number | null;
  phaseStartedAt?: Timestamp | null;
  phaseEndsAt?: Timestamp | null;
  /** A request to move on that waits for the partner's agreement. */
  pendingAdvance?: { by: string; fromIndex: number } | null;
  /** "Two minutes left in this part." */
  nudge?: { phaseIndex: number; message: string } | null;
  /** Uids of those who have entered the room. */
  joinedIds?: string[];
  questionSet?: QuestionSet;
  /** Every question id used in the session. */
  questionIds?: string[];
  startedAt?: Timestamp | null;
  endedAt?: Timestamp | null;
  endReason?: SessionEndReason | null;
  /** Who left before the end, if anyone. */
  leftEarly?: string | null;
  /** Interview halves that began (0-2); feedback after an early end rates only those (absent on older sessions). */
  playedHalves?: number;

  // ---- feedback bookkeeping, written only by functions ----
  /** Uids of those who have sent their feedback. */
  feedbackSubmitted?: string[];
  /** True once both have sent feedback or the deadline has passed: then each may read what the other wrote. */
  feedbackRevealed?: boolean;
  /** 48 hours after the session ended: no feedback after it. */
  feedbackDeadline?: Timestamp | null;

  // ---- write budgets (functions/salamin/budgets.py), written only by functions ----
  /** Who went over a write budget: the rules refuse their code, cursor, signaling and presence writes until `until`. */
  budgetHolds?: Record<string, BudgetHold>;
  /** The stored code reached its size limit: the rules refuse further code updates in this session. */
  codeFull?: boolean;
  /** The stored whiteboard reached its size limit: the rules refuse further board updates. */
  boardFull?: boolean;
}

export type BudgetName = 'codeUpdates' | 'codeBytes' | 'boardUpdates' | 'boardBytes' | 'signaling' | 'presence';

export interface BudgetHold {
  budget: BudgetName;
  at: Timestamp | null;
  until: Timestamp | null;
}

/** Per person and calendar minute; the server's numbers (functions/salamin/budgets.py BUDGETS). */
export const WRITE_BUDGETS: Readonly<Record<BudgetName, { limit: number; what: string }>> = {
  codeUpdates: { limit: 900, what: 'code changes' },
  codeBytes: { limit: 1_048_576, what: 'bytes of code changes' },
  boardUpdates: { limit: 900, what: 'whiteboard changes' },
  boardBytes: { limit: 1_048_576, what: 'bytes of whiteboard changes' },
  signaling: { limit: 120, what: 'call set-up messages' },
  presence: { limit: 60, what: 'call status changes' },
};

/** When `uid`'s hold in this session ends (ms since the epoch), or null when they are not held. */
export function budgetHoldUntil(session: Pick<PeerSession, 'budgetHolds'>, uid: string, nowMs: number): number | null {
  const until = session.budgetHolds?.[uid]?.until?.toMillis();
  return until !== undefined && until > nowMs ? until : null;
}

/** The plain sentence a held person sees. */
export function budgetHoldMessage(hold: BudgetHold, untilMs: number): string {
  const b = WRITE_BUDGETS[hold.budget] ?? WRITE_BUDGETS.codeUpdates;
  const at = new Date(untilMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `You sent more ${b.what} than a session allows (${b.limit.toLocaleString('en-US')} a minute), so your `
    + `edits, cursor and call updates are paused until ${at}. Your partner is not affected.`;
}

// ---------------------------------------------------------------------------
// Feedback: peerSessions/{sessionId}/feedback/{fromUid}
// ---------------------------------------------------------------------------

export type RubricKey =
  | 'problem_solving' | 'code_quality' | 'communication' | 'testing'
  | 'structure' | 'impact' | 'self_awareness' | 'depth' | 'tradeoffs';

export interface RubricItem {
  readonly key: RubricKey;
  readonly label: string;
  /** What a high score means, in plain words. */
  readonly description: string;
}

const RUBRIC: Readonly<Record<RubricKey, RubricItem>> = {
  problem_solving: { key: 'problem_solving', label: 'Problem solving', description: 'Understood the problem, found a workable approach and reasoned about it.' },
  code_quality: { key: 'code_quality', label: 'Code quality', description: 'Clear, correct, readable code with sensible names and structure.' },
  communication: { key: 'communication', label: 'Communication', description: 'Explained their thinking out loud and was easy to follow.' },
  testing: { key: 'testing', label: 'Testing', description: 'Checked their work: edge cases, examples and fixing what failed.' },
  structure: { key: 'structure', label: 'Structure', description: 'Answers had a clear shape: context, what they did, the result.' },
  impact: { key: 'impact', label: 'Impact', description: 'Made clear what changed because of them, with concrete results.' },
  self_awareness: { key: 'self_awareness', label: 'Self-awareness', description: 'Honest about mistakes and what they learnt from them.' },
  depth: { key: 'depth', label: 'Depth', description: 'Went beyond the obvious, with numbers and specifics where they mattered.' },
  tradeoffs: { key: 'tradeoffs', label: 'Trade-offs', description: 'Weighed the options and explained what each one costs.' },
};

/** The rubric of each session type: exactly these keys, in this order (the Firestore rules check them). */
export const RUBRIC_BY_SESSION_TYPE: Readonly<Record<SessionType, readonly RubricItem[]>> = {
  technical: [RUBRIC.problem_solving, RUBRIC.code_quality, RUBRIC.communication, RUBRIC.testing],
  behavioral: [RUBRIC.structure, RUBRIC.impact, RUBRIC.communication, RUBRIC.self_awareness],
  case_study: [RUBRIC.structure, RUBRIC.depth, RUBRIC.tradeoffs, RUBRIC.communication],
  mixed: [RUBRIC.problem_solving, RUBRIC.structure, RUBRIC.communication],
};
export const RUBRIC_LABELS: Readonly<Record<RubricKey, string>> = Object.fromEntries(
  Object.values(RUBRIC).map((r) => [r.key, r.label]),
) as Record<RubricKey, string>;

export type FeedbackTag =
  | 'helpful' | 'prepared' | 'clear_communicator' | 'strong_technical' | 'good_listener'
  | 'structured' | 'punctual' | 'kind' | 'challenging' | 'needs_practice';
export const FEEDBACK_TAGS: readonly Option<FeedbackTag>[] = [
  { value: 'helpful', label: 'Helpful' },
  { value: 'prepared', label: 'Well prepared' },
  { value: 'clear_communicator', label: 'Clear communicator' },
  { value: 'strong_technical', label: 'Strong technically' },
  { value: 'good_listener', label: 'Good listener' },
  { value: 'structured', label: 'Structured' },
  { value: 'punctual', label: 'On time' },
  { value: 'kind', label: 'Kind' },
  { value: 'challenging', label: 'Challenging (in a good way)' },
  { value: 'needs_practice', label: 'Could use more practice' },
];
export const FEEDBACK_TAG_LABELS = labelsOf(FEEDBACK_TAGS);
export const isFeedbackTag = guardFor(FEEDBACK_TAGS);

/** What the rules accept in a feedback document. */
export const FEEDBACK_LIMITS = {
  ratingMin: 1,
  ratingMax: 5,
  tagsMax: 8,
  textMax: 4000,
  /** Hours after the session ended. */
  windowHours: 48,
} as const;

/** Words for each point of the 1–5 scale. */
export const RATING_WORDS: readonly string[] = ['', 'Poor', 'Fair', 'Good', 'Very good', 'Excellent'];

/**
 * peerSessions/{sessionId}/feedback/{fromUid}: created once by its author (never updated), about the
 * partner. Its author can always read it; the partner only once session.feedbackRevealed is true.
 */
export interface SessionFeedback {
  from: string;
  to: string;
  /** Integer 1–5. */
  overall: number;
  /** Exactly the keys of RUBRIC_BY_SESSION_TYPE[sessionType], each an integer 1–5. */
  rubric: Partial<Record<RubricKey, number>>;
  /** 0–8 distinct. */
  tags: FeedbackTag[];
  /** 0–4000 characters. */
  text: string;
  wouldPracticeAgain: boolean;
  createdAt: Timestamp | null;
}

// ---------------------------------------------------------------------------
// userStats/{uid}: the owner's own record, written only by functions
// ---------------------------------------------------------------------------

export interface RoleStats {
  sessionCount: number;
  /** 0 when there are no ratings yet. */
  averageRating: number;
  /** Minutes. */
  totalDuration: number;
}

export interface Reliability {
  /** 0–1. */
  score: number;
  noShows: number;
  lateCancels: number;
  completed: number;
}

export interface RatingPoint {
  sessionId: string;
  at: Timestamp | null;
  overall: number;
}

export interface UserStats {
  totalSessions: number;
  completedSessions: number;
  /** Average overall rating received; 0 when there are none. */
  averageRating: number;
  totalRatings: number;
  asInterviewer: RoleStats;
  asInterviewee: RoleStats;
  specialtyBreakdown: Partial<Record<SessionType, RoleStats>>;
  reliability: Reliability;
  /** 0–100. */
  reputation: number;
  /** Oldest first, the last 50. */
  ratingHistory: RatingPoint[];
}

/** Every kind functions/salamin/notifications.py writes. */
export const NOTIFICATION_TYPES = [
  'peer_match_found',
  'match_timeout',
  'partner_joined',
  'partner_left',
  'partner_no_show',
  'partner_declined',
  'feedback_received',
  'invitation_received',
  'invitation_accepted',
  'invitation_declined',
  'invitation_expired',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];
export const isNotificationType = (v: unknown): v is NotificationType =>
  (NOTIFICATION_TYPES as readonly unknown[]).includes(v);

export type NotificationSuggestion = 'widen_preferences' | 'book_slot';

/**
 * users/{uid}/notifications/{id}: written by functions ('match-{sessionId}', 'timeout-{joinedMs}').
 * The owner may read them, set `read` to true and delete them.
 */
export interface Notification {
  id: string;
  type: NotificationType;
  title: string;
  message: string;
  /** The session it is about (match found, partner joined/left/no-show, feedback, invitation accepted). */
  sessionId?: string;
  /** The partner's display name, when the notification names them. */
  partnerName?: string;
  /** invitation_* kinds: invitations/{invitationId}. */
  invitationId?: string;
  /** 'match_timeout' only. */
  suggestions?: NotificationSuggestion[];
  createdAt: Timestamp | null;
  read: boolean;
}

// ---------------------------------------------------------------------------
// Callable functions
// ---------------------------------------------------------------------------

export interface BootstrapProfileRequest {
  /** Used only when the profile is created (else the account's name, else a generated friendly name). */
  displayName?: string;
  /** IANA time zone of the browser, used only when the profile is created. */
  timeZone?: string;
}

/** What `bootstrapProfile` returns. The profile arrives as JSON (timestamps are not Timestamps). */
export interface BootstrapProfileResponse {
  profile: {
    displayName?: string;
    [field: string]: unknown;
  };
  created: boolean;
}

/** What `matchingStatus` returns: the caller's queue state and an honest count of compatible waiters. */
export interface MatchingStatusResponse {
  status: 'none' | MatchingQueueStatus;
  /**
   * Others waiting who could really be the caller's partner now: a shared language and session type,
   * roles fitting as they stand, not blocked either way. Counts only, never who.
   */
  waitingCompatible: number;
  /** Once matched. */
  sessionId?: string;
  /** How many more would fit with a wider choice, and when same-role wishes may bend. */
  widen?: MatchingWiden;
  /** Median wait (s) of people like the caller matched in the last hour, when there are enough. */
  medianWaitS?: number;
  medianSample?: number;
  /** Nobody fits now, but starting in `role` would fit `partners` people at once. */
  roleOffer?: { role: ParticipantRole; partners: number };
}

export interface MatchingWiden {
  allSessionTypes: number;
  eitherRole?: number;
  sameRoleAfterBend?: number;
  bendInS?: number;
}

// ---- the session room -----------------------------------------------------------------------------

/** The room's call state, as each participant reports it in peerSessions/{id}/presence/{uid}. */
export type CallState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'left';

/** peerSessions/{sessionId}/presence/{uid}: written by that participant (rules check every field). */
export interface Presence {
  uid: string;
  /** Random per page load: a new value means the partner reloaded or came back. */
  peerId: string;
  state: CallState;
  audioEnabled: boolean;
  videoEnabled: boolean;
  screenSharing: boolean;
  updatedAt: Timestamp | null;
  /** With state 'left': this was Leave (the session ends for both), not a reload or a closed tab. */
  leftSession: boolean;
}

export type SignalType = 'offer' | 'answer' | 'candidate';

/** peerSessions/{sessionId}/signaling/{id}: one WebRTC message from a participant to the partner. */
export interface SignalMessage {
  from: string;
  to: string;
  fromPeer: string;
  type: SignalType;
  sdp?: string;
  candidate?: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null; usernameFragment?: string | null };
  createdAt: Timestamp | null;
}

/** getIceServers callable's answer. */
export interface IceServersResponse {
  iceServers: RTCIceServer[];
  expiresAt: number | null;
}

// ---- The shared code editor and code runs ---------------------------------------------------------

export type CodeLanguage = 'python' | 'javascript' | 'typescript' | 'java' | 'cpp' | 'sql';
export const CODE_LANGUAGES: readonly Option<CodeLanguage>[] = [
  { value: 'python', label: 'Python' },
  { value: 'javascript', label: 'JavaScript' },
  { value: 'typescript', label: 'TypeScript' },
  { value: 'java', label: 'Java' },
  { value: 'cpp', label: 'C++' },
  { value: 'sql', label: 'SQL (SQLite)' },
];
export const CODE_LANGUAGE_LABELS = labelsOf(CODE_LANGUAGES);
export const isCodeLanguage = guardFor(CODE_LANGUAGES);

/** Limits shared with firestore.rules and functions/salamin/execution.py (keep them in step). */
export const CODE_LIMITS = {
  /** Characters in the shared editor (the runner takes 64 KB of source). */
  maxChars: 64_000,
  /** Bytes of one codeUpdates document's payload. */
  maxUpdateBytes: 131_072,
  /** Bytes of one codePresence awareness state. */
  maxPresenceBytes: 8_192,
  maxStdinChars: 16_000,
  runsPerMinute: 10,
} as const;

/** The whiteboard's caps, shared with firestore.rules (boardUpdates, boardPresence). */
export const BOARD_LIMITS = {
  maxUpdateBytes: 131_072,
  maxPresenceBytes: 8_192,
  /** One element as JSON: a longer pen stroke is refused with a sentence (it would not fit an update). */
  maxElementBytes: 100_000,
} as const;

/** peerSessions/{id}/codeUpdates/{updateId}: one batch of Yjs edits, appended by its author, never changed. */
export interface CodeUpdateDoc {
  author: string;
  update: Bytes;
  createdAt: Timestamp | null;
}

/** peerSessions/{id}/code/snapshot: the compacted Yjs state (functions only). */
export interface CodeSnapshotDoc {
  update: Bytes;
  text: string;
  language: CodeLanguage | null;
  updateCount: number;
  updatedAt: Timestamp | null;
}

export type RunMode = 'run' | 'tests' | 'hidden';
export type RunStatus = 'queued' | 'running' | 'done' | 'error';
export type RunVerdict =
  | 'accepted'
  | 'wrong_answer'
  | 'compile_error'
  | 'runtime_error'
  | 'time_limit'
  | 'memory_limit'
  | 'output_limit'
  | 'internal_error';
export const RUN_VERDICT_LABELS: Readonly<Record<RunVerdict, string>> = {
  accepted: 'Accepted',
  wrong_answer: 'Wrong answer',
  compile_error: 'Compile error',
  runtime_error: 'Runtime error',
  time_limit: 'Time limit exceeded',
  memory_limit: 'Memory limit exceeded',
  output_limit: 'Too much output',
  internal_error: 'Runner error (ours)',
};

export interface RunCase {
  id: string;
  passed: boolean;
  verdict: RunVerdict;
  /** Absent for hidden cases. */
  stdin?: string;
  expected?: string;
  actual?: string;
  stderr?: string;
  wallMs?: number;
}

export interface RunResult {
  verdict: RunVerdict;
  stdout?: string;
  stderr?: string;
  exitCode?: number | null;
  signal?: string | null;
  wallMs?: number;
  cpuMs?: number;
  peakMemoryKb?: number;
  message?: string | null;
  compile?: { ok: boolean; output?: string } | null;
  passed?: number;
  total?: number;
  tests?: RunCase[];
}

/** peerSessions/{id}/runs/{runId}: one click on Run / Run tests, written only by the runCode function. */
export interface CodeRun {
  id: string;
  by: string;
  mode: RunMode;
  language: CodeLanguage;
  questionId: string | null;
  stdin?: string;
  status: RunStatus;
  createdAt: Timestamp | null;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  result: RunResult | null;
  error: string | null;
  /** The runner's queue position and likely wait (seconds) while or because it was busy. */
  busy?: { position: number; waitS: number } | null;
}

export interface RunCodeRequest {
  sessionId: string;
  mode: RunMode;
  language: CodeLanguage;
  source: string;
  stdin?: string;
  questionId?: string;
}
export interface RunCodeResponse {
  runId: string;
  status: RunStatus;
  verdict: RunVerdict | null;
}

// ---------------------------------------------------------------------------
// Community: invitations, reports, suspension (issue 17). Written only by functions
// (functions/salamin/invitations.py, safety.py); vocabulary in functions/salamin/vocabulary.py.
// ---------------------------------------------------------------------------

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'withdrawn' | 'expired' | 'cancelled';
export const INVITATION_STATUSES: readonly InvitationStatus[] = [
  'pending',
  'accepted',
  'declined',
  'withdrawn',
  'expired',
  'cancelled',
];

/** invitations/{id}: read by its two people (participantIds) and staff. */
export interface Invitation {
  id: string;
  fromUid: string;
  toUid: string;
  fromName: string;
  toName: string;
  sessionType: SessionType;
  difficulty: Difficulty;
  when: 'now' | 'scheduled';
  proposedAt: Timestamp | null;
  expiresAt: Timestamp | null;
  status: InvitationStatus;
  /** Once the session exists (at accept for "now", at the proposed time otherwise). */
  sessionId: string | null;
  viaLink: boolean;
  /** The inviter's own first role; "either" leaves the invitee interviewed first. */
  inviterRole: InviterRole;
  createdAt: Timestamp | null;
}

export type InviterRole = 'interviewer' | 'interviewee' | 'either';
export const INVITER_ROLES: readonly Option<InviterRole>[] = [
  { value: 'either', label: 'Either (my friend is interviewed first)' },
  { value: 'interviewer', label: 'Interviewer first' },
  { value: 'interviewee', label: 'Interviewee first' },
];

export type ReportReason = 'harassment' | 'inappropriate' | 'no_show' | 'cheating' | 'spam' | 'other';
export const REPORT_REASONS: readonly Option<ReportReason>[] = [
  { value: 'harassment', label: 'Harassment or abuse' },
  { value: 'inappropriate', label: 'Inappropriate content or behaviour' },
  { value: 'no_show', label: 'Repeatedly did not show up' },
  { value: 'cheating', label: 'Cheating or sharing questions' },
  { value: 'spam', label: 'Spam or advertising' },
  { value: 'other', label: 'Something else' },
];

/** reports/{id}: filed through reportMember, read only by staff. */
export interface Report {
  id: string;
  reporterUid: string;
  subjectUid: string;
  sessionId: string | null;
  reason: ReportReason;
  details: string;
  status: 'open' | 'dismissed' | 'actioned';
  createdAt: Timestamp | null;
}

/** users/{uid}.suspension, written by staff through suspendMember; the member reads why and until when. */
export interface Suspension {
  reason: string;
  until: Timestamp;
}

/** Invitations and invite links a member may send per rolling 24 hours (invitations.py INVITES_PER_DAY). */
export const INVITES_PER_DAY = 10;
