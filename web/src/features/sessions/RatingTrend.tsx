import { useId } from 'react';
import { FEEDBACK_LIMITS as L, type RatingPoint } from '../../types/models';
import { formatDate, formatRating } from './sessionDocs';

const WIDTH = 240;
const HEIGHT = 64;
const PAD_X = 6;
const PAD_Y = 8;

function x(i: number, n: number): number {
  return n <= 1 ? WIDTH / 2 : PAD_X + (i * (WIDTH - 2 * PAD_X)) / (n - 1);
}

function y(value: number): number {
  const clamped = Math.min(L.ratingMax, Math.max(L.ratingMin, value));
  return PAD_Y + ((L.ratingMax - clamped) / (L.ratingMax - L.ratingMin)) * (HEIGHT - 2 * PAD_Y);
}

/** What the line says, for those who can't see it. */
function describe(points: readonly RatingPoint[]): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return '';
  const values = points.map((p) => p.overall);
  const from = formatDate(first.at);
  const to = formatDate(last.at);
  const span = from && to ? ` from ${from} to ${to}` : '';
  const trend = last.overall > first.overall ? 'up' : last.overall < first.overall ? 'down' : 'level';
  return (
    `${points.length} ratings${span}. The first was ${first.overall} out of ${L.ratingMax} and the latest ` +
    `${last.overall} (${trend}); lowest ${Math.min(...values)}, highest ${Math.max(...values)}.`
  );
}

/** The overall ratings received, oldest first, as a small line ("sparkline"). */
export function RatingTrend({ history }: { history: readonly RatingPoint[] }) {
  const id = useId();
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const n = history.length;

  if (n < 2)
    return (
      <figure className="rating-trend" data-testid="rating-trend" data-points={n}>
        <figcaption className="rating-trend-caption">Ratings over time</figcaption>
        <p className="muted small rating-trend-empty">Not enough ratings yet</p>
      </figure>
    );

  const coords = history.map((p, i) => [x(i, n), y(p.overall)] as const);
  const line = coords.map(([cx, cy]) => `${cx.toFixed(1)},${cy.toFixed(1)}`).join(' ');
  const firstX = coords[0]?.[0] ?? PAD_X;
  const lastPoint = coords[coords.length - 1];
  const area = `M${firstX.toFixed(1)},${HEIGHT - PAD_Y} L${line.replace(/ /g, ' L')} L${(lastPoint?.[0] ?? WIDTH - PAD_X).toFixed(1)},${HEIGHT - PAD_Y} Z`;
  const latest = history[n - 1]?.overall ?? 0;
  const average = history.reduce((sum, p) => sum + p.overall, 0) / n;

  return (
    <figure className="rating-trend" data-testid="rating-trend" data-points={n}>
      <figcaption className="rating-trend-caption">
        Ratings over time <span className="muted">· latest {latest}, average of these {formatRating(average)}</span>
      </figcaption>
      <svg
        className="sparkline"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        focusable="false"
      >
        <title id={titleId}>Overall ratings you received, oldest to newest</title>
        <desc id={descId}>{describe(history)}</desc>
        {[L.ratingMin, (L.ratingMin + L.ratingMax) / 2, L.ratingMax].map((v) => (
          <line key={v} className="sparkline-guide" x1={PAD_X} x2={WIDTH - PAD_X} y1={y(v)} y2={y(v)} />
        ))}
        <path className="sparkline-area" d={area} />
        <polyline className="sparkline-line" points={line} />
        {lastPoint && <circle className="sparkline-dot" cx={lastPoint[0]} cy={lastPoint[1]} r={3} />}
      </svg>
    </figure>
  );
}
