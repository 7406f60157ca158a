import { Suspense, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { httpsCallable } from 'firebase/functions';
import { Ban, DoorClosed } from 'lucide-react';
import { EmptyState } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { functions } from '../../lib/firebase';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import {
  DIFFICULTY_LABELS,
  budgetHoldMessage,
  budgetHoldUntil,
  LIVE_SESSION_STATUSES,
  SESSION_TYPE_LABELS,
  type IceServersResponse,
  type PeerSession,
} from '../../types/models';
import { useAuth } from '../../lib/authContext';
import { CallEngine, type EngineSnapshot } from './callEngine';
import { CallView } from './CallView';
import { openMedia } from './media';
import { PreJoin, type JoinChoice } from './PreJoin';
import { FeedbackForm } from './FeedbackForm';
import { InterviewPanel } from './InterviewPanel';
import { peerLinkOf } from './enginePeerLink';
import type { PeerLink } from '../../lib/peerLink';
import { useSlots } from '../../lib/slots';
import { watchPeerSession } from '../../lib/data/peerSessions';


/** Transient failures (a dropped connection, a busy function) get two more tries before we give up. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const delay of [0, 500, 1500]) {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    try {
      return await fn();
    } catch (err) {
      lastError = err;
      const code = (err as { code?: string }).code ?? '';
      // Refusals are final: only retry what may pass next time.
      if (/permission-denied|not-found|failed-precondition|unauthenticated|invalid-argument/.test(code)) break;
    }
  }
  throw lastError;
}

function readRemembered(key: string): { audio: boolean; video: boolean } | null {
  try {
    const raw = sessionStorage.getItem(key);
    if (!raw) return null;
    const v = JSON.parse(raw) as { audio?: unknown; video?: unknown };
    return { audio: v.audio !== false, video: v.video !== false };
  } catch {
    return null;
  }
}

type Load = { kind: 'loading' } | { kind: 'denied' } | { kind: 'error'; message: string } | { kind: 'ok'; session: PeerSession };

declare global {
  interface Window {
    /** The live call, for the browser tests and for debugging from the console. */
    __salaminCall?: CallEngine;
  }
}

const getIceServers = httpsCallable<{ sessionId: string }, IceServersResponse>(functions, 'getIceServers');
const joinSession = httpsCallable<{ sessionId: string }, { status: string; serverTime: number }>(functions, 'joinSession');
const leaveSession = httpsCallable<{ sessionId: string }, { status: string }>(functions, 'leaveSession');

/** /session/:sessionId — only the two participants get in; an ended session shows a clear page. */
export function RoomPage() {
  const { sessionId = '' } = useParams<{ sessionId: string }>();
  const { user } = useAuth();
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  useDocumentTitle('Session room');

  useEffect(() => {
    return watchPeerSession(
      sessionId,
      (session) => {
        // Read through the same careful reader as every other page (toPeerSession).
        if (!session) setLoad({ kind: 'denied' });
        else setLoad({ kind: 'ok', session: { ...session, id: sessionId } });
      },
      (err) => {
        // The rules answer "permission denied" for a session that is not yours or does not exist.
        if (err.code === 'permission-denied') setLoad({ kind: 'denied' });
        else setLoad({ kind: 'error', message: 'We couldn’t load this session. Check your connection and reload the page.' });
      },
    );
  }, [sessionId]);

  if (!user || load.kind === 'loading') return <Spinner fullPage />;
  if (load.kind === 'denied')
    return (
      <section data-testid="room-denied">
        <EmptyState icon={<Ban size={24} />} title="This session isn’t yours, or it doesn’t exist.">
          Only the two people matched for a session can enter its room. <Link to="/practice">Find a partner</Link>
        </EmptyState>
      </section>
    );
  if (load.kind === 'error')
    return (
      <div className="alert alert-error" role="alert">
        {load.message}
      </div>
    );
  const session = load.session;
  if (!LIVE_SESSION_STATUSES.includes(session.status))
    return (
      <section data-testid="room-ended">
        <EmptyState icon={<DoorClosed size={24} />}
          title={session.status === 'cancelled' ? 'This session was cancelled.' : 'This session has ended.'}>
          {session.status === 'cancelled' ? (
            <>
              Your partner didn’t make it, or the session was called off. <Link to="/sessions">See your sessions</Link> or{' '}
              <Link to="/practice">find a new partner</Link>.
            </>
          ) : (
            <>
              Thanks for practising. <Link to={`/sessions/${encodeURIComponent(session.id)}`}>See the session summary</Link>
              , <Link to="/sessions">your sessions</Link> or <Link to="/practice">find a new partner</Link>.
            </>
          )}
        </EmptyState>
        {session.status === 'completed' && (
          <div className="room-ended-feedback">
            <FeedbackForm session={session} uid={user.uid} headingLevel={2} />
          </div>
        )}
      </section>
    );
  return <Room session={session} uid={user.uid} />;
}

function Room({ session, uid }: { session: PeerSession; uid: string }) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const relayOnly = params.get('relay') === '1';
  const autojoin = params.get('autojoin') === '1';
  // ?codelink=off keeps the editor off the data channel (Firestore only): the benchmarks and tests use it.
  const codeOverChannel = params.get('codelink') !== 'off';
  const partnerUid = session.participantIds.find((p) => p !== uid) ?? '';
  const me = session.participants.find((p) => p.userId === uid);
  const partner = session.participants.find((p) => p.userId === partnerUid);
  const partnerName = partner?.displayName ?? 'your partner';
  const [engine, setEngine] = useState<CallEngine | null>(null);
  const [snap, setSnap] = useState<EngineSnapshot | null>(null);
  const [joinError, setJoinError] = useState<string | null>(null);
  const [joining, setJoining] = useState(false);
  const engineRef = useRef<CallEngine | null>(null);
  const [clockOffsetMs, setClockOffsetMs] = useState(0);
  const { CodeWorkspace } = useSlots();
  // The editor's channel to the partner: the call's data channel, for as long as the call lasts.
  const [link, setLink] = useState<PeerLink | null>(null);
  useEffect(() => {
    if (!engine || !codeOverChannel) return;
    const l = peerLinkOf(engine);
    setLink(l);
    return () => {
      setLink(null);
      l.dispose();
    };
  }, [engine, codeOverChannel]);

  async function join(choice: JoinChoice) {
    setJoining(true);
    setJoinError(null);
    try {
      // Entering the room is what starts the interview (both in: phases begin); the answer also gives
      // the server's clock, so both countdowns agree whatever the local clocks say.
      const sentAt = Date.now();
      const joined = await withRetries(() => joinSession({ sessionId: session.id }));
      setClockOffsetMs(joined.data.serverTime * 1000 - (sentAt + Date.now()) / 2);
      const ice = await withRetries(() => getIceServers({ sessionId: session.id }));
      const e = new CallEngine({
        sessionId: session.id,
        uid,
        partnerUid,
        iceServers: ice.data.iceServers,
        relayOnly,
        localStream: choice.stream,
        audioEnabled: choice.audioEnabled,
        videoEnabled: choice.videoEnabled,
        videoDeviceId: choice.videoDeviceId,
      });
      engineRef.current = e;
      window.__salaminCall = e;
      e.subscribe((next) => {
        setSnap(next);
        if (next.state !== 'left')
          sessionStorage.setItem(rejoinKey, JSON.stringify({ audio: next.audioEnabled, video: next.videoEnabled }));
      });
      setEngine(e);
      await e.start();
    } catch (err) {
      choice.stream.getTracks().forEach((t) => t.stop());
      setJoinError(`We couldn’t start the call: ${err instanceof Error ? err.message : String(err)}. Reload the page to try again.`);
    } finally {
      setJoining(false);
    }
  }

  // Back in the call after a reload (this tab was in it), or ?autojoin=1 (the benchmarks): skip the
  // check and rejoin with the same choices.
  const rejoinKey = `salamin.call.${session.id}`;
  // Read once: the call itself keeps this key fresh while it runs.
  const [remembered] = useState(() => readRemembered(rejoinKey));
  const skipCheck = autojoin || remembered !== null;
  const autoStarted = useRef(false);
  useEffect(() => {
    if (!skipCheck || autoStarted.current) return;
    autoStarted.current = true;
    const wantAudio = remembered?.audio ?? true;
    const wantVideo = remembered?.video ?? true;
    void (async () => {
      let stream: MediaStream;
      try {
        stream = await openMedia(true, wantVideo, {});
      } catch {
        stream = await openMedia(true, false, {}).catch(() => new MediaStream());
      }
      await join({ stream, audioEnabled: wantAudio, videoEnabled: wantVideo && stream.getVideoTracks().length > 0 });
    })();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once: the remembered choices are read once and join is the same action
  }, [skipCheck]);

  // Leaving the page (close, reload, navigate away) tells the partner at once.
  useEffect(() => {
    const bye = () => void engineRef.current?.leave();
    window.addEventListener('pagehide', bye);
    return () => {
      window.removeEventListener('pagehide', bye);
      bye();
    };
  }, []);

  async function leave() {
    sessionStorage.removeItem(rejoinKey);
    await engine?.leave();
    // Leaving ends the session early for both; the partner is told and both can still give feedback.
    await leaveSession({ sessionId: session.id }).catch(() => undefined);
    void navigate('/sessions', { replace: true });
  }

  const side = (
    <div className="session-facts" data-testid="session-facts">
      <h2>{SESSION_TYPE_LABELS[session.sessionType] ?? session.sessionType} interview</h2>
      <dl>
        <dt>With</dt>
        <dd>{partnerName}</dd>
        <dt>Difficulty</dt>
        <dd>{DIFFICULTY_LABELS[session.difficulty] ?? session.difficulty}</dd>
        <dt>You start as</dt>
        <dd data-testid="my-role">{me?.role ?? session.roles[uid]}</dd>
        <dt>Length</dt>
        <dd>{session.estimatedDuration} minutes, you swap roles after {session.halfDuration}</dd>
      </dl>
      <InterviewPanel session={session} uid={uid} clockOffsetMs={clockOffsetMs} />
    </div>
  );

  if (!engine || !snap)
    return (
      <div className="room-prejoin">
        {joinError && <div className="alert alert-error" role="alert" data-testid="join-error">{joinError}</div>}
        {joining || skipCheck ? <Spinner label="Joining…" /> : <PreJoin partnerName={partnerName} onJoin={(c) => void join(c)} />}
      </div>
    );
  // Technical and mixed sessions get the shared editor; the others keep the calmer two-column room.
  const workspace = session.requiresCodeEditor ? (
    <Suspense fallback={<Spinner label="Loading the code editor…" />}>
      <CodeWorkspace session={session} uid={uid} link={link} />
    </Suspense>
  ) : undefined;
  return (
    <>
      <BudgetHoldNotice session={session} uid={uid} />
      <CallView engine={engine} snap={snap} partnerName={partnerName} onLeave={() => void leave()} side={side} workspace={workspace} />
    </>
  );
}

/**
 * A write budget's hold on this person (functions/salamin/budgets.py): while it lasts the rules refuse
 * their signaling and presence too, so the call may not recover from a drop; say so in plain words.
 */
function BudgetHoldNotice({ session, uid }: { session: PeerSession; uid: string }) {
  const hold = session.budgetHolds?.[uid];
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!hold) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, [hold]);
  const until = budgetHoldUntil(session, uid, now);
  if (!hold || until === null) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid="budget-hold" data-budget={hold.budget}>
      {budgetHoldMessage(hold, until)}
    </div>
  );
}
