import { AlertCircle, Award, CheckCircle2, ShieldCheck, Star } from 'lucide-react';
import { Spinner } from '../../components/Spinner';
import { FEEDBACK_LIMITS as L } from '../../types/models';
import { RatingTrend } from './RatingTrend';
import { EMPTY_STATS, formatRating, plural, reliabilityWords } from './sessionDocs';
import type { UserStatsState } from './useSessions';

/** The top of the Sessions page: what the user's practice adds up to (userStats/{uid}). */
export function StatsHeader({ state }: { state: UserStatsState }) {
  if (state.loading)
    return (
      <section className="card stats-header" data-testid="stats-header" aria-label="Your practice so far" aria-busy="true">
        <Spinner label="Loading your stats…" />
      </section>
    );

  if (state.error)
    return (
      <section className="card stats-header" data-testid="stats-header" aria-label="Your practice so far">
        <p className="status-error small" role="alert">
          <AlertCircle size={16} aria-hidden="true" /> We couldn’t load your stats. {state.error}
        </p>
      </section>
    );

  const stats = state.stats ?? EMPTY_STATS;
  const reliability = reliabilityWords(stats.reliability);

  return (
    <section className="card stats-header" data-testid="stats-header" aria-labelledby="stats-header-title">
      <h2 id="stats-header-title" className="visually-hidden">
        Your practice so far
      </h2>
      <dl className="stats-grid">
        <div>
          <dt>
            <CheckCircle2 size={14} aria-hidden="true" /> Completed sessions
          </dt>
          <dd data-testid="stats-completed">{stats.completedSessions}</dd>
        </div>
        <div>
          <dt>
            <Star size={14} aria-hidden="true" /> Average rating received
          </dt>
          <dd data-testid="stats-rating">
            {stats.totalRatings > 0 ? (
              <>
                {formatRating(stats.averageRating)}
                <span className="stat-unit"> / {L.ratingMax}</span>
                <span className="stat-note">from {plural(stats.totalRatings, 'rating')}</span>
              </>
            ) : (
              <span className="stat-none">No ratings yet</span>
            )}
          </dd>
        </div>
        <div>
          <dt>
            <ShieldCheck size={14} aria-hidden="true" /> Reliability
          </dt>
          <dd data-testid="stats-reliability">
            {reliability.label}
            <span className="stat-note">{reliability.detail}</span>
          </dd>
        </div>
        <div>
          <dt>
            <Award size={14} aria-hidden="true" /> Reputation
          </dt>
          <dd data-testid="stats-reputation">
            {Math.round(stats.reputation)}
            <span className="stat-unit"> / 100</span>
          </dd>
        </div>
      </dl>
      <RatingTrend history={stats.ratingHistory} />
      {!state.stats && <p className="muted small stats-empty-note">Your stats appear after your first session.</p>}
    </section>
  );
}
