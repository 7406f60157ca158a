/**
 * communityProfiles.availability: weekly ranges in the member's own time zone, stored as one string
 * ("mon 09:00-12:00;wed 18:00-21:00") that the rules can check with a pattern (AVAILABILITY_PATTERN).
 */
import { AVAILABILITY_PATTERN, PROFILE_LIMITS } from '../types/models';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const WEEKDAY_LABELS: Readonly<Record<Weekday, string>> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export interface AvailabilityRange {
  day: Weekday;
  /** "HH:MM" */
  from: string;
  /** "HH:MM", or "24:00" for the end of the day */
  to: string;
}

function isWeekday(value: string): value is Weekday {
  return (WEEKDAYS as readonly string[]).includes(value);
}

/** The ranges of a stored value; anything unreadable gives none (the server does the same). */
export function parseAvailability(value: string): AvailabilityRange[] {
  if (!value || !AVAILABILITY_PATTERN.test(value)) return [];
  return value.split(';').flatMap((part) => {
    const [day, span] = part.split(' ');
    const [from, to] = (span ?? '').split('-');
    return day && isWeekday(day) && from && to ? [{ day, from, to }] : [];
  });
}

export function formatAvailability(ranges: readonly AvailabilityRange[]): string {
  return ranges.map((r) => `${r.day} ${r.from}-${r.to}`).join(';');
}

/** A sentence about what is wrong with the ranges, or null. */
export function availabilityProblem(ranges: readonly AvailabilityRange[]): string | null {
  if (ranges.length > PROFILE_LIMITS.availabilityRangesMax)
    return `Add up to ${PROFILE_LIMITS.availabilityRangesMax} time ranges.`;
  for (const r of ranges) {
    if (!/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(r.from) || !/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/.test(r.to))
      return 'Give each range a start and an end time.';
    if (r.to <= r.from) return `On ${WEEKDAY_LABELS[r.day]}, a range must end after it starts.`;
  }
  if (!AVAILABILITY_PATTERN.test(formatAvailability(ranges))) return 'Check the time ranges.';
  return null;
}

/** "Mon 09:00–12:00, Wed 18:00–21:00" for a card. */
export function describeAvailability(value: string): string {
  const ranges = parseAvailability(value);
  if (ranges.length === 0) return 'Not given';
  return ranges.map((r) => `${WEEKDAY_LABELS[r.day].slice(0, 3)} ${r.from}–${r.to}`).join(', ');
}
