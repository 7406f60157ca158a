import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { Search, UsersRound } from 'lucide-react';
import { EmptyState, PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { HowReputationWorks } from '../../components/HowReputationWorks';
import { useMyProfile } from '../../lib/myProfileContext';
import {
  EXPERIENCE_LEVELS,
  SPOKEN_LANGUAGES,
  isExperienceLevel,
  isSpokenLanguage,
} from '../../types/models';
import { NO_FILTERS, type DirectoryFilters, type DirectorySort, type MinRating } from './directoryData';
import { MemberCard } from './MemberCard';
import { useDirectory } from './useDirectory';

const SORTS: readonly { value: DirectorySort; label: string }[] = [
  { value: 'rating', label: 'Rating' },
  { value: 'sessions', label: 'Sessions' },
  { value: 'recent', label: 'Recent activity' },
];
const MIN_RATINGS: readonly MinRating[] = [3, 4, 4.5];

export function CommunityPage() {
  const ids = useId();
  const { profile } = useMyProfile();
  const [filters, setFilters] = useState<DirectoryFilters>(NO_FILTERS);
  const [searchText, setSearchText] = useState('');
  const [specialtyText, setSpecialtyText] = useState('');
  const { members, hasMore, loading, loadingMore, error, loadMore, retry } = useDirectory(filters);

  function set<K extends keyof DirectoryFilters>(key: K, value: DirectoryFilters[K]) {
    setFilters((prev) => ({ ...prev, [key]: value }));
  }
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFilters((prev) => ({ ...prev, search: searchText, specialty: specialtyText }));
  }
  function clear() {
    setSearchText('');
    setSpecialtyText('');
    setFilters(NO_FILTERS);
  }

  return (
    <section data-testid="page-community">
      <PageHeader title="Community" lead="Find members to practise with: by name, skill or industry." />
      {profile && !profile.listed && (
        <p className="alert alert-info" data-testid="directory-not-listed">
          You are not listed in the directory. <Link to="/profile">Choose “List me in the Community directory”</Link> on
          your profile so others can find you.
        </p>
      )}

      <form className="card form directory-filters" role="search" onSubmit={submit} aria-label="Search the directory">
        <div className="directory-search-row">
          <label htmlFor={`${ids}-search`} className="visually-hidden">
            Search by name, skill or industry
          </label>
          <input
            id={`${ids}-search`}
            type="search"
            placeholder="Search by name, skill or industry"
            value={searchText}
            maxLength={80}
            onChange={(e) => setSearchText(e.target.value)}
            data-testid="directory-search"
          />
          <button type="submit" className="button button-primary" data-testid="directory-submit">
            <Search size={16} aria-hidden="true" /> Search
          </button>
        </div>
        <div className="form-grid directory-filter-grid">
          <div className="field">
            <label htmlFor={`${ids}-specialty`}>Specialty</label>
            <input
              id={`${ids}-specialty`}
              type="text"
              placeholder="e.g. System design"
              value={specialtyText}
              maxLength={40}
              onChange={(e) => setSpecialtyText(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-language`}>Speaks</label>
            <select
              id={`${ids}-language`}
              value={filters.language}
              onChange={(e) => set('language', isSpokenLanguage(e.target.value) ? e.target.value : '')}
            >
              <option value="">Any language</option>
              {SPOKEN_LANGUAGES.map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-experience`}>Experience</label>
            <select
              id={`${ids}-experience`}
              value={filters.experience}
              onChange={(e) => set('experience', isExperienceLevel(e.target.value) ? e.target.value : '')}
            >
              <option value="">Any level</option>
              {EXPERIENCE_LEVELS.map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-rating`}>Minimum rating</label>
            <select
              id={`${ids}-rating`}
              value={filters.minRating === null ? '' : String(filters.minRating)}
              onChange={(e) => {
                const found = MIN_RATINGS.find((r) => String(r) === e.target.value);
                set('minRating', found ?? null);
              }}
            >
              <option value="">Any rating</option>
              {MIN_RATINGS.map((r) => (
                <option key={r} value={String(r)}>
                  {r}+ stars
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-sort`}>Sort by</label>
            <select
              id={`${ids}-sort`}
              value={filters.sort}
              onChange={(e) => set('sort', SORTS.find((s) => s.value === e.target.value)?.value ?? 'rating')}
              data-testid="directory-sort"
            >
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={filters.availableNow}
                onChange={(e) => set('availableNow', e.target.checked)}
              />{' '}
              Available now
            </label>
            <button type="button" className="button button-ghost button-sm" onClick={clear}>
              Clear filters
            </button>
          </div>
        </div>
      </form>

      <div aria-live="polite" aria-busy={loading}>
        {loading ? (
          <div className="card loading-card" data-testid="directory-loading">
            <Spinner label="Searching the directory…" />
          </div>
        ) : error ? (
          <div className="alert alert-error" role="alert" data-testid="directory-error">
            {error}{' '}
            <button type="button" className="button button-ghost button-sm" onClick={retry}>
              Try again
            </button>
          </div>
        ) : members.length === 0 ? (
          <div data-testid="directory-empty">
            <EmptyState icon={<UsersRound size={24} />} title="No listed members match.">
              Try fewer filters, or another word.
            </EmptyState>
          </div>
        ) : (
          <>
            <ul className="member-grid" data-testid="directory-results">
              {members.map((m) => (
                <MemberCard key={m.uid} member={m} />
              ))}
            </ul>
            {hasMore && (
              <button
                type="button"
                className="button button-ghost"
                onClick={loadMore}
                disabled={loadingMore}
                data-testid="directory-more"
              >
                {loadingMore ? 'Loading…' : 'Show more'}
              </button>
            )}
          </>
        )}
      </div>
      <HowReputationWorks />
    </section>
  );
}
