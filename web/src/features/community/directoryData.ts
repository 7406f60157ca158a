/** The directory: the searchDirectory callable (blocks are hidden on the server), read defensively. */
import { httpsCallable } from 'firebase/functions';
import { functions } from '../../lib/firebase';
import { isRecord, numberOr, stringArray, stringOr } from '../../lib/firestoreValues';
import {
  isExperienceLevel,
  isSpokenLanguage,
  type ExperienceLevel,
  type SpokenLanguage,
} from '../../types/models';

export type DirectorySort = 'rating' | 'sessions' | 'recent';
export type MinRating = 3 | 4 | 4.5;

export interface DirectoryFilters {
  search: string;
  specialty: string;
  language: SpokenLanguage | '';
  experience: ExperienceLevel | '';
  minRating: MinRating | null;
  availableNow: boolean;
  sort: DirectorySort;
}

export const NO_FILTERS: DirectoryFilters = {
  search: '',
  specialty: '',
  language: '',
  experience: '',
  minRating: null,
  availableNow: false,
  sort: 'rating',
};

export interface DirectoryMember {
  uid: string;
  displayName: string;
  headline: string;
  experienceLevel: ExperienceLevel;
  languages: SpokenLanguage[];
  specialties: string[];
  reputation: number;
  badges: string[];
  availableNow: boolean;
  openToMentoring: boolean;
  completedSessions: number;
  averageRating: number;
  totalRatings: number;
}

export interface DirectoryPage {
  members: DirectoryMember[];
  nextCursor: string | null;
}

const PAGE_SIZE = 12;

const searchDirectory = httpsCallable<Record<string, unknown>, unknown>(functions, 'searchDirectory');

function toMember(value: unknown): DirectoryMember | null {
  if (!isRecord(value) || typeof value.uid !== 'string') return null;
  const stats = isRecord(value.peerStats) ? value.peerStats : {};
  return {
    uid: value.uid,
    displayName: stringOr(value.displayName, ''),
    headline: stringOr(value.headline, ''),
    experienceLevel: isExperienceLevel(value.experienceLevel) ? value.experienceLevel : 'mid',
    languages: stringArray(value.languages).filter(isSpokenLanguage),
    specialties: stringArray(value.specialties),
    reputation: numberOr(value.reputation, 0),
    badges: stringArray(value.badges),
    availableNow: value.availableNow === true,
    openToMentoring: value.openToMentoring === true,
    completedSessions: numberOr(stats.completedSessions, 0),
    averageRating: numberOr(stats.averageRating, 0),
    totalRatings: numberOr(stats.totalRatings, 0),
  };
}

/** One page of the directory for these filters, after `cursor` (null: the first page). */
export async function fetchDirectoryPage(filters: DirectoryFilters, cursor: string | null): Promise<DirectoryPage> {
  const request: Record<string, unknown> = { sort: filters.sort, pageSize: PAGE_SIZE };
  if (filters.search.trim()) request.search = filters.search.trim();
  if (filters.specialty.trim()) request.specialty = filters.specialty.trim();
  if (filters.language) request.language = filters.language;
  if (filters.experience) request.experience = filters.experience;
  if (filters.minRating !== null) request.minRating = filters.minRating;
  if (filters.availableNow) request.availableNow = true;
  if (cursor) request.cursor = cursor;
  const { data } = await searchDirectory(request);
  const body = isRecord(data) ? data : {};
  const members = Array.isArray(body.members) ? body.members.map(toMember).filter((m): m is DirectoryMember => m !== null) : [];
  return { members, nextCursor: typeof body.nextCursor === 'string' ? body.nextCursor : null };
}
