import { useState } from 'react';
import { Repeat } from 'lucide-react';
import { firestoreErrorMessage } from '../../lib/firestoreErrors';
import { askRematch } from './sessionsData';

/** "Practise again with Ada" after a session that took place (both must ask; a block always wins). */
export function RematchButton({ sessionId, partnerName }: { sessionId: string; partnerName: string }) {
  const [state, setState] = useState<'idle' | 'asking' | 'asked'>('idle');
  const [error, setError] = useState<string | null>(null);
  if (state === 'asked')
    return (
      <p className="notice" role="status" data-testid="rematch-asked">
        <Repeat size={16} aria-hidden="true" />
        <span>
          Asked. If {partnerName} asks too, you’ll be paired directly the next time you both look for a partner.
        </span>
      </p>
    );
  return (
    <div className="panel-actions">
      <button
        type="button"
        className="button button-secondary"
        disabled={state === 'asking'}
        aria-busy={state === 'asking' || undefined}
        data-testid="rematch"
        onClick={() => {
          setState('asking');
          setError(null);
          askRematch(sessionId).then(
            () => setState('asked'),
            (err: unknown) => {
              setError(`We couldn’t ask just now. ${firestoreErrorMessage(err)}`);
              setState('idle');
            },
          );
        }}
      >
        <Repeat size={16} aria-hidden="true" /> Practise again with {partnerName}
      </button>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
