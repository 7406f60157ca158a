import { Link } from 'react-router-dom';

/** The Salamin logo: two overlapping rings (two peers, one mirror) and the name. */
function LogoMark({ size = 24 }: { size?: number }) {
  return (
    <svg className="logo-mark" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="var(--accent)" />
      <circle cx="12.5" cy="16" r="6.5" fill="none" stroke="#fff" strokeWidth="2.5" />
      <circle cx="19.5" cy="16" r="6.5" fill="none" stroke="#fff" strokeOpacity="0.7" strokeWidth="2.5" />
    </svg>
  );
}

export function Wordmark({ to = '/' }: { to?: string }) {
  return (
    <Link to={to} className="wordmark" aria-label="Salamin home">
      <LogoMark />
      <span className="wordmark-text">Salamin</span>
    </Link>
  );
}
