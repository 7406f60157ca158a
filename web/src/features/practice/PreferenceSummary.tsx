import {
  DIFFICULTY_LABELS,
  EXPERIENCE_LEVEL_LABELS,
  INDUSTRY_LABELS,
  ROLE_PREFERENCE_LABELS,
  SESSION_TYPE_LABELS,
  SPOKEN_LANGUAGE_LABELS,
  type MatchingPreferences,
} from '../../types/models';
import { formatWait } from './matchingDocs';

/** "What you asked for", as a compact definition list. */
export function PreferenceSummary({ prefs, label = 'What you asked for' }: { prefs: MatchingPreferences; label?: string }) {
  const rows: { term: string; value: string }[] = [
    { term: 'Session type', value: prefs.sessionTypes.map((t) => SESSION_TYPE_LABELS[t]).join(', ') },
    { term: 'Difficulty', value: prefs.difficultyLevels.map((d) => DIFFICULTY_LABELS[d]).join(', ') },
    { term: 'First role', value: ROLE_PREFERENCE_LABELS[prefs.rolePreference] },
    { term: 'Languages', value: prefs.languages.map((l) => SPOKEN_LANGUAGE_LABELS[l]).join(', ') },
    { term: 'Experience', value: EXPERIENCE_LEVEL_LABELS[prefs.experienceLevel] },
  ];
  if (prefs.industries.length > 0)
    rows.push({ term: 'Industries', value: prefs.industries.map((i) => INDUSTRY_LABELS[i]).join(', ') });
  if (prefs.targetRoles.length > 0) rows.push({ term: 'Target roles', value: prefs.targetRoles.join(', ') });
  rows.push({ term: 'Time zone', value: prefs.timeZone.replace(/_/g, ' ') });
  rows.push({ term: 'Wait up to', value: formatWait(prefs.maxWaitTime) });

  return (
    <dl className="summary" aria-label={label}>
      {rows.map((row) => (
        <div key={row.term}>
          <dt>{row.term}</dt>
          <dd>{row.value}</dd>
        </div>
      ))}
    </dl>
  );
}
