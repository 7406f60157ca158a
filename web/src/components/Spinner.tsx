interface SpinnerProps {
  label?: string;
  /** Fill the viewport and centre the spinner (used while auth is loading). */
  fullPage?: boolean;
}

export function Spinner({ label = 'Loading…', fullPage = false }: SpinnerProps) {
  return (
    <div className={fullPage ? 'spinner-page' : 'spinner-inline'} role="status" aria-live="polite" data-testid="spinner">
      <span className="spinner" aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </div>
  );
}
