import { startTransition, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Ban, DoorClosed } from 'lucide-react';
import { EmptyState } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import {
  DIFFICULTY_LABELS,
  budgetHoldMessage,
  budgetHoldUntil,
  LIVE_SESSION_STATUSES,
  SESSION_TYPE_LABELS,
  type PeerSession,
} from '../../types/models';
import { useAuth } from '../../lib/authContext';
import { CallEngine, type EngineSnapshot } from './callEngine';
import { CallView } from './CallView';
import { openMedia } from './media';
import { PreJoin, type JoinChoice } from './PreJoin';
import { FeedbackForm } from './FeedbackForm';
import { InterviewPanel } from './InterviewPanel';
import { OpenBoardButton, Workspaces } from './Workspaces';
import { peerLinkOf } from './enginePeerLink';
import type { PeerLink } from '../../lib/peerLink';
import { watchPeerSession } from '../../lib/data/peerSessions';
import { markStep, resetTimeline } from './timeline';
import { iceServersFor, joinSession, leaveSession } from './callables';
import { untilReachable, withRetries } from './retries';
import { useTabLock } from './tabLock';


/** joinSession waits this long after the call connected (its first frames come first)... */
const JOIN_AFTER_CONNECTED_MS = 500;
/** ...or this long after Join when the call has not connected by then. */
const JOIN_LATE_MS = 2000;

/** Resolves JOIN_AFTER_CONNECTED_MS after `engine` connected or left, or JOIN_LATE_MS from now. */
function callUpOrLate(engine: CallEngine): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    let unsub: (() => void) | null = null;
    const late = setTimeout(() => done(0), JOIN_LATE_MS);
    function done(afterMs: number) {
      if (settled) return;
      settled = true;
      clearTimeout(late);
      unsub?.();
      setTimeout(resolve, afterMs);
    }
    unsub = engine.subscribe((s) => {
      if (s.state === 'left') done(0);
      else if (s.state === 'connected') done(JOIN_AFTER_CONNECTED_MS);
    });
    if (settled) unsub();
  });
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
              {session.leftEarly && session.leftEarly !== user.uid ? (
                <span data-testid="partner-left">
                  {session.participants.find((p) => p.userId === session.leftEarly)?.displayName ?? 'Your partner'} left the
                  session before it began; it doesn’t count against you.{' '}
                </span>
              ) : (
                'Your partner didn’t make it, or the session was called off. '
              )}
              <Link to="/sessions">See your sessions</Link> or{' '}
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
  // Keyed by session: moving to another session's room inside the app starts a fresh room and call.
  return <Room key={session.id} session={session} uid={user.uid} />;
}

/**
 * One tab per member holds the call (tabLock.ts). A second tab says the call is open elsewhere and offers
 * to take it over; the first tab, when taken over, stops quietly and offers to take it back.
 */
function Room({ session, uid }: { session: PeerSession; uid: string }) {
  const { lock, takeOver } = useTabLock(session.id);
  const [generation, setGeneration] = useState(0);
  const take = () => {
    takeOver();
    setGeneration((g) => g + 1);
  };
  if (lock === 'checking') return <Spinner label="Opening the room…" />;
  if (lock === 'elsewhere') return <OtherTab onTakeOver={take} taken={false} />;
  return <CallRoom key={generation} session={session} uid={uid} tabLost={lock === 'taken'} onTakeOver={take} />;
}

function OtherTab({ onTakeOver, taken }: { onTakeOver: () => void; taken: boolean }) {
  return (
    <section className="card other-tab" data-testid={taken ? 'tab-taken' : 'other-tab'} role="status">
      <h2>{taken ? 'Your call moved to another tab' : 'This session is open in another tab'}</h2>
      <p className="muted">
        {taken
          ? 'You took the call over in another tab or window; your partner is with you there.'
          : 'You’re already in this session in another tab or window. Only one can hold the call; your partner stays connected to it.'}
      </p>
      <button type="button" className="button button-primary" onClick={onTakeOver} data-testid="take-over">
        Use this tab instead
      </button>
    </section>
  );
}

function CallRoom({ session, uid, tabLost, onTakeOver }: { session: PeerSession; uid: string; tabLost: boolean; onTakeOver: () => void }) {
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
  // Before the first render's effects: the room is open from the moment it is on screen.
  useState(() => {
    resetTimeline();
    markStep('roomOpened');
  });
  // Fetch the ICE servers now, while the person checks their camera: joining then need not wait for them.
  useEffect(() => {
    iceServersFor(session.id, uid).catch(() => undefined);
  }, [session.id, uid]);
  const engineRef = useRef<CallEngine | null>(null);
  const [clockOffsetMs, setClockOffsetMs] = useState(0);
  // A behavioral session has no board until someone opens one.
  const [boardWanted, setBoardWanted] = useState(false);
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
    markStep('joinPressed');
    try {
      // Fetched while the pre-join check was on screen: usually already here.
      const ice = await iceServersFor(session.id, uid);
      markStep('iceFetched');
      const e = new CallEngine({
        sessionId: session.id,
        uid,
        partnerUid,
        iceServers: ice.iceServers,
        relayOnly,
        localStream: choice.stream,
        audioEnabled: choice.audioEnabled,
        videoEnabled: choice.videoEnabled,
        videoDeviceId: choice.videoDeviceId,
      });
      engineRef.current = e;
      window.__salaminCall = e;
      // The room's first render (call view, editor, board) is a transition: it yields to the call's own
      // set-up (negotiation events, the partner's messages) instead of holding the page's one thread.
      e.subscribe((next) => {
        startTransition(() => setSnap(next));
        if (next.state !== 'left')
          sessionStorage.setItem(rejoinKey, JSON.stringify({ audio: next.audioEnabled, video: next.videoEnabled }));
      });
      // Entering the room is what starts the interview (both in: phases begin); the answer also gives
      // the server's clock, so both countdowns agree whatever the local clocks say. The call does not
      // wait for it (the rules let a participant of a live session signal), and it waits for the call:
      // it is the set-up's heaviest request (a transaction on the session; both rooms re-render when the
      // session changes), so it goes once the call is up and showing video, or JOIN_LATE_MS after Join.
      const joined = callUpOrLate(e).then(async () => {
        if (e.snapshot.state === 'left') return;
        let sentAt = 0;
        // A drop now must not end the call: tried again until the network is back (refusals stay final).
        const r = await untilReachable(() => {
          sentAt = Date.now(); // the clock offset below is from the attempt that answered
          return joinSession({ sessionId: session.id });
        }, () => e.snapshot.state === 'left');
        markStep('sessionJoined');
        setClockOffsetMs(r.data.serverTime * 1000 - (sentAt + Date.now()) / 2);
      });
      startTransition(() => setEngine(e));
      await Promise.all([e.start(), joined]);
    } catch (err) {
      // Refused (or the functions unreachable): no half-joined call is left running.
      void engineRef.current?.leave();
      engineRef.current = null;
      setEngine(null);
      setSnap(null);
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

  // Leave (confirmed in the call view) ends the session early for both. The leaver is out at once: the
  // presence write that tells the partner and the function that ends the session run on their own.
  function leave() {
    sessionStorage.removeItem(rejoinKey);
    void engine?.leave(true);
    void withRetries(() => leaveSession({ sessionId: session.id })).catch(() => undefined);
    void navigate(`/sessions/${encodeURIComponent(session.id)}`, { replace: true, state: { focus: 'feedback' } });
  }

  // The partner pressed Leave: the session is over for us too. Say so at once (their presence says it
  // before the session does) and let the camera go.
  const partnerLeft = session.leftEarly === partnerUid || (!!snap?.partner?.leftSession && snap.partner.state === 'left');
  useEffect(() => {
    if (partnerLeft) void engineRef.current?.leave();
  }, [partnerLeft]);

  // Another tab of ours took the call over: stop here, quietly (the partner now talks to that tab).
  useEffect(() => {
    if (!tabLost) return;
    sessionStorage.removeItem(rejoinKey);
    engineRef.current?.handOver();
  }, [tabLost, rejoinKey]);

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
      {!session.requiresCodeEditor && !session.requiresWhiteboard && !boardWanted && <OpenBoardButton onOpen={() => setBoardWanted(true)} />}
    </div>
  );

  if (tabLost) return <OtherTab onTakeOver={onTakeOver} taken />;
  if (!engine || !snap)
    return (
      <div className="room-prejoin">
        {joinError && <div className="alert alert-error" role="alert" data-testid="join-error">{joinError}</div>}
        {joining || skipCheck ? <Spinner label="Joining…" /> : <PreJoin partnerName={partnerName} onJoin={(c) => void join(c)} sessionId={session.id} uid={uid} />}
      </div>
    );
  // Technical and mixed sessions get the editor and the board as tabs, case studies the board; a behavioral
  // session keeps the calmer two-column room unless someone opens a board.
  const workspace = session.requiresCodeEditor || session.requiresWhiteboard || boardWanted ? (
    <Workspaces session={session} uid={uid} link={link} boardWanted={boardWanted} />
  ) : undefined;
  return (
    <>
      <BudgetHoldNotice session={session} uid={uid} />
      <CallView engine={engine} snap={snap} partnerName={partnerName} onLeave={leave} side={side} workspace={workspace}
        notice={partnerLeft ? <PartnerLeft session={session} partnerName={partnerName} /> : null} />
    </>
  );
}

/** "Ada left the session", and what happens now. */
function PartnerLeft({ session, partnerName }: { session: PeerSession; partnerName: string }) {
  const started = session.startedAt != null || (session.phaseIndex ?? null) !== null;
  return (
    <div className="alert alert-info partner-left" role="alert" data-testid="partner-left">
      <strong>{partnerName} left the session.</strong>{' '}
      {started
        ? 'The interview has ended for both of you and doesn’t count against you. You can still tell them how it went (only about what you did together), then '
        : 'It hadn’t started, so it doesn’t count against you. '}
      <Link to="/practice">find a new partner</Link>.
    </div>
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
