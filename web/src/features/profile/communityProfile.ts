import type { DocumentData } from 'firebase/firestore';
import {
  isExperienceLevel,
  isFeedbackStyle,
  isFeedbackTag,
  isIndustry,
  isSessionType,
  isSpokenLanguage,
  type CommunityProfile,
  type PeerStats,
} from '../../types/models';
import { booleanOr, isRecord, isTimestamp, stringArray } from '../../lib/firestoreValues';
import { browserTimeZone } from '../../lib/timeZone';

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** Reads a communityProfiles document defensively, filling in defaults for missing fields. */
export function toCommunityProfile(uid: string, data: DocumentData): CommunityProfile {
  return {
    uid: stringOr(data.uid, uid),
    displayName: stringOr(data.displayName, ''),
    headline: stringOr(data.headline, ''),
    bio: stringOr(data.bio, ''),
    experienceLevel: isExperienceLevel(data.experienceLevel) ? data.experienceLevel : 'mid',
    timeZone: stringOr(data.timeZone, '') || browserTimeZone(),
    languages: stringArray(data.languages).filter(isSpokenLanguage),
    industries: stringArray(data.industries).filter(isIndustry),
    targetRoles: stringArray(data.targetRoles),
    specialties: stringArray(data.specialties),
    listed: booleanOr(data.listed, false),
    availability: stringOr(data.availability, ''),
    openToRandom: booleanOr(data.openToRandom, true),
    preferredSessionTypes: stringArray(data.preferredSessionTypes).filter(isSessionType),
    maxSessionsPerDay:
      typeof data.maxSessionsPerDay === 'number' && Number.isInteger(data.maxSessionsPerDay) ? data.maxSessionsPerDay : 2,
    feedbackStyle: isFeedbackStyle(data.feedbackStyle) ? data.feedbackStyle : 'balanced',
    openToMentoring: booleanOr(data.openToMentoring, false),
    onboarded: booleanOr(data.onboarded, false),
    badges: stringArray(data.badges),
    reputation: typeof data.reputation === 'number' && Number.isFinite(data.reputation) ? data.reputation : 0,
    joinedAt: isTimestamp(data.joinedAt) ? data.joinedAt : null,
    updatedAt: isTimestamp(data.updatedAt) ? data.updatedAt : null,
    ...(isRecord(data.peerStats) ? { peerStats: toPeerStats(data.peerStats) } : {}),
  };
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** communityProfiles/{uid}.peerStats (server-written), read defensively. */
function toPeerStats(value: Record<string, unknown>): PeerStats {
  return {
    completedSessions: finite(value.completedSessions),
    averageRating: finite(value.averageRating),
    totalRatings: finite(value.totalRatings),
    practiceMinutes: finite(value.practiceMinutes),
    asInterviewer: finite(value.asInterviewer),
    asInterviewee: finite(value.asInterviewee),
    topTags: (Array.isArray(value.topTags) ? value.topTags : []).flatMap((t: unknown) =>
      isRecord(t) && isFeedbackTag(t.tag) ? [{ tag: t.tag, count: finite(t.count) }] : [],
    ),
  };
}
