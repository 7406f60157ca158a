import { useCallback, useEffect, useReducer, useRef, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { Info, Lightbulb } from 'lucide-react';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import type { MatchingPreferences, MatchingQueueEntry, ParticipantRole, PeerSession } from '../../types/models';
import { useAuth } from '../../lib/authContext';
import { useMyProfile } from '../../lib/myProfileContext';
import { defaultPreferences, joinBudgetMessage, preferencesFrom } from './matchingDocs';
import {
  cancelSearch,
  clearQueueEntry,
  declineMatch,
  fetchLastPreferences,
  findTimeoutNotification,
  joinErrorMessage,
  joinQueue,
  leaveErrorMessage,
  markNotificationRead,
  takeMatchRole,
} from './matchingQueue';
import { useMatchAlert } from '../../lib/matchAlerts';
import { MatchFoundPanel, matchRoles } from './MatchFoundPanel';
import { MatchForm } from './MatchForm';
import { NoMatchPanel, type NoMatchInfo } from './NoMatchPanel';
import { useNow } from '../../lib/useNow';
import { usePeerSession } from '../../lib/data/peerSessions';
import { useQueueEntry } from './useMatching';
import { WaitingPanel } from './WaitingPanel';
import { INITIAL_PRACTICE, practiceReducer } from './practiceState';

/** The page: the form, or the state of the user's own matchingQueue entry. */
export function PracticePage() {
  const { user } = useAuth();
  return (
    <section data-testid="page-practice">
      <PageHeader title="Practice" lead="Find a partner for a mock interview. You each get a turn as the interviewer." />
      {user && <Practice uid={user.uid} />}
    </section>
  );
}

type View = 'loading' | 'error' | 'form' | 'waiting' | 'matched' | 'no-match';

/** Seconds past maxWaitTime after which the page stops waiting even without the server's word. */
const GIVE_UP_GRACE_S = 60;

const DEFAULT_NO_MATCH: NoMatchInfo = {
  title: 'No match found',
  message:
    'Nobody with fitting preferences was free just now. Try widening your session types, difficulty or role, or book a slot for later.',
};

/** Session statuses in which "Join the session" still makes sense (not once it is winding down). */
const JOINABLE: readonly PeerSession['status'][] = ['matched', 'starting', 'active'];

/**
 * A match stays on screen while its session can still be joined, for at most the session's length: not
 * once someone left it early or it is ending, cancelled or over (no stale "Match found" card).
 */
function matchIsCurrent(entry: MatchingQueueEntry, session: PeerSession | null, openedAt: number): boolean {
  if (session && (!JOINABLE.includes(session.status) || session.leftEarly)) return false;
  const matchedAt = entry.matchedAt ?? session?.matchedAt ?? null;
  const minutes = session?.estimatedDuration ?? 60;
  return !matchedAt || openedAt - matchedAt.toMillis() <= minutes * 60_000;
}

function Practice({ uid }: { uid: string }) {
  const navigate = useNavigate();
  const { profile, loading: profileLoading } = useMyProfile();
  const openedAt = useNow(false);

  const [listenKey, setListenKey] = useState(0);
  const [prefs, setPrefs] = useState<MatchingPreferences | null>(null);
  const [lastPrefs, setLastPrefs] = useState<{ loaded: boolean; value: unknown }>({ loaded: false, value: null });
  const [{ joining, joinError, leaving, leaveError, noMatch, notice, formFocus }, dispatch] = useReducer(
    practiceReducer,
    INITIAL_PRACTICE,
  );
  const [settled, setSettled] = useState(false);
  const [takingRole, setTakingRole] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  /** Set while the user is the one removing their waiting entry (Cancel), until they join again. */
  const removedByUser = useRef(false);

  // An entry the server confirmed as waiting is gone, and not by Cancel: the server gave up.
  const handleVanished = useCallback(
    (previous: MatchingQueueEntry) => {
      if (removedByUser.current) return;
      dispatch({ type: 'no-match', info: DEFAULT_NO_MATCH });
      const joinedMs = previous.joinedAt ? Math.floor(previous.joinedAt.toMillis()) : null;
      findTimeoutNotification(uid, joinedMs)
        .then((note) => {
          if (!note) return;
          dispatch({
            type: 'no-match-words',
            info: { title: note.title || DEFAULT_NO_MATCH.title, message: note.message || DEFAULT_NO_MATCH.message },
          });
          void markNotificationRead(uid, note.id);
        })
        .catch(() => {
          // The generic words stay.
        });
    },
    [uid],
  );

  const queue = useQueueEntry(uid, listenKey, handleVanished);
  const entry = queue.entry;
  const matchedSessionId = entry?.status === 'matched' ? (entry.sessionId ?? null) : null;
  // The server turned the last join down (hourly budget): the form stays, with the reason and the time.
  const refusal = entry?.status === 'refused' ? joinBudgetMessage(entry.retryAt ? entry.retryAt.toDate() : null) : null;
  const sessionState = usePeerSession(matchedSessionId);

  // Remembered preferences (users/{uid}.lastPreferences), read once.
  useEffect(() => {
    let active = true;
    fetchLastPreferences(uid).then(
      (value) => active && setLastPrefs({ loaded: true, value }),
      () => active && setLastPrefs({ loaded: true, value: null }),
    );
    return () => {
      active = false;
    };
  }, [uid]);

  // The form's first values: a search under way, else last time's (kept by the server), else an
  // old entry's, else sensible defaults from the profile.
  useEffect(() => {
    if (prefs || queue.loading || !lastPrefs.loaded || profileLoading) return;
    const base = defaultPreferences(profile);
    const stored = entry?.status === 'waiting' ? entry : (lastPrefs.value ?? entry);
    setPrefs(preferencesFrom(stored, base));
  }, [prefs, queue.loading, lastPrefs, profileLoading, profile, entry]);

  let view: View;
  if (queue.error && !entry) view = 'error';
  else if (queue.loading || !prefs) view = 'loading';
  else if (entry?.status === 'waiting') view = 'waiting';
  else if (entry && matchedSessionId && sessionState.loading) view = 'loading';
  else if (entry && matchedSessionId && !sessionState.missing && matchIsCurrent(entry, sessionState.session, openedAt))
    view = 'matched';
  else if (noMatch) view = 'no-match';
  else view = 'form';

  const partnerName = matchRoles(sessionState.session, uid).partnerName;

  // Never miss it: title, favicon, sound and (if allowed) a notification while the page is in the background.
  useMatchAlert(
    view === 'matched' && matchedSessionId
      ? {
          key: matchedSessionId,
          title: 'Match found · Salamin',
          body: `You’re practising with ${partnerName}. Join within five minutes.`,
          onOpen: () => void navigate('/practice'),
        }
      : null,
  );

  // Focus moves only on changes of state, not on the first screen.
  useEffect(() => {
    if (!settled && view !== 'loading' && view !== 'error') setSettled(true);
  }, [settled, view]);

  // Say what changed, politely.
  const previousView = useRef<View>(view);
  useEffect(() => {
    const before = previousView.current;
    previousView.current = view;
    if (before === view || view === 'loading') return;
    if (view === 'waiting') setAnnouncement('Looking for a partner.');
    else if (view === 'matched') setAnnouncement(`Match found: you’re practising with ${partnerName}.`);
    else if (view === 'no-match') setAnnouncement('No match found.');
    else if (view === 'form' && before === 'waiting') setAnnouncement(refusal ?? 'Search cancelled.');
  }, [view, partnerName, refusal]);

  // The server's timeout removes a stale entry; should that timer ever be lost, the page gives up by
  // itself a little later, so nobody waits forever.
  const clock = useNow(view === 'waiting', 5000);
  const giveUpAt =
    entry?.status === 'waiting' && entry.joinedAt ? entry.joinedAt.toMillis() + (entry.maxWaitTime + GIVE_UP_GRACE_S) * 1000 : null;
  useEffect(() => {
    if (giveUpAt === null || clock < giveUpAt) return;
    dispatch({ type: 'no-match', info: DEFAULT_NO_MATCH });
    cancelSearch(uid).catch(() => undefined);
  }, [clock, giveUpAt, uid]);

  // A cancel or "Not now" is over once the entry has gone.
  useEffect(() => {
    if (!entry) dispatch({ type: 'left' });
  }, [entry]);

  // Seeing the match is reading its notification.
  useEffect(() => {
    if (view === 'matched' && matchedSessionId) void markNotificationRead(uid, `match-${matchedSessionId}`);
  }, [view, matchedSessionId, uid]);

  async function join(next: MatchingPreferences) {
    if (joining) return;
    setPrefs(next);
    dispatch({ type: 'join-started' });
    removedByUser.current = false;
    try {
      await joinQueue(uid, next);
      dispatch({ type: 'joined' });
    } catch (err) {
      dispatch({ type: 'join-failed', message: joinErrorMessage(err) });
    } finally {
      dispatch({ type: 'join-settled' });
    }
  }

  async function cancel() {
    if (leaving) return;
    dispatch({ type: 'cancel-started' });
    removedByUser.current = true;
    try {
      const result = await cancelSearch(uid);
      if (result === 'matched') {
        // Matched a moment ago: the match screen is on its way.
        removedByUser.current = false;
        dispatch({ type: 'left' });
      } else {
        dispatch({ type: 'cancelled' });
        if (result === 'gone') dispatch({ type: 'left' });
      }
    } catch (err) {
      removedByUser.current = false;
      dispatch({ type: 'leave-failed', message: leaveErrorMessage(err) });
    }
  }

  async function notNow() {
    if (leaving || !matchedSessionId) return;
    dispatch({ type: 'not-now-started' });
    try {
      // The server cancels the session, tells the partner and removes this entry.
      await declineMatch(matchedSessionId);
    } catch (err) {
      // The session is gone or over already: only the finished entry is left to clear.
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
      if (code.endsWith('not-found') || code.endsWith('failed-precondition')) {
        try {
          await clearQueueEntry(uid);
          return;
        } catch (clearErr) {
          dispatch({ type: 'leave-failed', message: leaveErrorMessage(clearErr) });
          return;
        }
      }
      dispatch({ type: 'leave-failed', message: leaveErrorMessage(err) });
    }
  }

  async function takeRole(role: ParticipantRole) {
    if (takingRole) return;
    setTakingRole(true);
    try {
      await takeMatchRole(role);
    } catch (err) {
      dispatch({ type: 'leave-failed', message: joinErrorMessage(err) });
    } finally {
      setTakingRole(false);
    }
  }

  function joinSession() {
    if (!matchedSessionId) return;
    void markNotificationRead(uid, `match-${matchedSessionId}`);
    void navigate(`/session/${encodeURIComponent(matchedSessionId)}`);
  }

  function widen() {
    dispatch({ type: 'widen' });
  }

  function changePrefs(next: MatchingPreferences) {
    setPrefs(next);
    dispatch({ type: 'prefs-changed' });
  }

  const listenerAlert = queue.error && (
    <div className="alert alert-error" role="alert" data-testid="practice-listener-error">
      We couldn’t check whether you’re already looking for a partner. {queue.error}{' '}
      <button type="button" className="link-button" onClick={() => setListenKey((k) => k + 1)}>
        Try again
      </button>
    </div>
  );

  let body: ReactNode;
  switch (view) {
    case 'error':
      body = null;
      break;
    case 'loading':
      body = (
        <div className="card loading-card" data-testid="practice-loading">
          <Spinner label={matchedSessionId ? 'Loading your match…' : 'Loading…'} />
          <p className="muted">{matchedSessionId ? 'Loading your match…' : 'Loading your preferences…'}</p>
        </div>
      );
      break;
    case 'waiting':
      body = entry && (
        <WaitingPanel
          entry={entry}
          onTakeRole={(role) => void takeRole(role)}
          takingRole={takingRole}
          pending={queue.pending}
          clockOffsetMs={queue.clockOffsetMs}
          onCancel={() => void cancel()}
          cancelling={leaving}
          error={leaveError}
          focusOnMount={settled}
        />
      );
      break;
    case 'matched':
      body = matchedSessionId && (
        <MatchFoundPanel
          uid={uid}
          sessionId={matchedSessionId}
          session={sessionState.session}
          sessionError={sessionState.error}
          onJoin={joinSession}
          onNotNow={() => void notNow()}
          leaving={leaving}
          leaveError={leaveError}
        />
      );
      break;
    case 'no-match':
      body = noMatch && prefs && (
        <NoMatchPanel
          info={noMatch}
          prefs={prefs}
          onWiden={widen}
          onRetry={() => void join(prefs)}
          retrying={joining}
          error={joinError}
          focusOnMount={settled}
        />
      );
      break;
    case 'form':
      body = prefs && (
        <MatchForm
          value={prefs}
          onChange={changePrefs}
          onSubmit={(next) => void join(next)}
          submitting={joining}
          error={joinError}
          focusOnMount={settled ? formFocus : null}
          notice={
            refusal ? (
              <p className="notice" data-testid="join-budget-notice">
                <Info size={16} aria-hidden="true" />
                <span>{refusal}</span>
              </p>
            ) : notice === 'widen' ? (
              <p className="notice" data-testid="widen-tip">
                <Lightbulb size={16} aria-hidden="true" />
                <span>
                  More session types or difficulty levels, another language, or <strong>Either</strong> as your first role
                  all make a match more likely.
                </span>
              </p>
            ) : notice === 'cancelled' ? (
              <p className="notice" data-testid="search-cancelled">
                <Info size={16} aria-hidden="true" />
                <span>Search cancelled. Your choices are still here when you’re ready.</span>
              </p>
            ) : undefined
          }
        />
      );
      break;
  }

  return (
    <>
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="practice-announcer">
        {announcement}
      </p>
      {listenerAlert}
      {body}
    </>
  );
}
