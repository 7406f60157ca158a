import { BADGES, REPUTATION_RULES } from '../lib/badges';

/** "How reputation works": the formula and every badge's rule, in plain words. */
export function HowReputationWorks() {
  return (
    <details className="card how-reputation" data-testid="how-reputation">
      <summary>How reputation works</summary>
      <ul>
        {REPUTATION_RULES.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <h3>Badges</h3>
      <dl>
        {Object.entries(BADGES).map(([id, b]) => (
          <div key={id}>
            <dt>{b.label}</dt>
            <dd>{b.rule}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
