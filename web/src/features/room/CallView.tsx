import { useEffect, useRef, useState } from 'react';
import { Mic, MicOff, MonitorUp, MonitorX, PanelRightClose, PanelRightOpen, PhoneOff, Video, VideoOff, Wifi, WifiOff } from 'lucide-react';
import type { CallEngine, EngineSnapshot, EngineState, StallReason } from './callEngine';
import { useSpeaking } from './useSpeaking';
import { useWideSidePanel } from './sidePanel';
import { markStep } from './timeline';
import type { QualityView } from './callQuality';

const STATE_LABEL: Record<EngineState, string> = {
  waiting: 'Waiting for your partner',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Connection failed',
  left: 'You left',
};

function VideoTile({
  stream,
  muted,
  label,
  showVideo,
  speaking,
  testId,
  mirrored,
  children,
}: {
  stream: MediaStream | null;
  muted: boolean;
  label: string;
  showVideo: boolean;
  speaking: boolean;
  testId: string;
  mirrored?: boolean;
  children?: React.ReactNode;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el && el.srcObject !== stream) el.srcObject = stream;
  }, [stream]);
  // The first frame of the partner's video actually shown (the end of the bench's timeline).
  useEffect(() => {
    const el = ref.current;
    if (!el || muted || !('requestVideoFrameCallback' in el)) return;
    const id = el.requestVideoFrameCallback(() => markStep('firstRemoteFrame'));
    return () => el.cancelVideoFrameCallback(id);
  }, [stream, muted]);
  return (
    <div className={`tile${speaking ? ' tile-speaking' : ''}`} data-speaking={speaking ? 'true' : 'false'} data-testid={`${testId}-tile`}>
      {/* The element stays mounted so audio keeps playing while the picture is off. */}
      <video ref={ref} autoPlay playsInline muted={muted} className={`tile-video${mirrored ? ' mirrored' : ''}`}
        style={{ visibility: showVideo ? 'visible' : 'hidden' }} data-testid={testId} />
      {!showVideo && <div className="tile-placeholder" aria-hidden="true">{label.slice(0, 1).toUpperCase()}</div>}
      <div className="tile-label">{label}{children}</div>
    </div>
  );
}

/** Signal bars (0-4) from the call's own statistics: a glance at how the line is. */
function SignalBars({ value, testId, who }: { value: number | null; testId: string; who: string }) {
  if (value === null) return null;
  const words = value >= 4 ? 'good' : value === 3 ? 'fair' : 'weak';
  return (
    <span className={`signal-bars signal-${words}`} data-testid={testId} data-bars={value} role="img"
      aria-label={`${who} connection: ${words}`} title={`${who} connection: ${words}`}>
      {[1, 2, 3, 4].map((i) => <span key={i} className={i <= value ? 'on' : ''} />)}
    </span>
  );
}

/** What a weak line means and what helps, for whoever's side it is on. */
function WeakConnection({ quality, partnerName }: { quality: QualityView; partnerName: string }) {
  if (!quality.weak) return null;
  const paused = quality.videoLevel >= 2;
  const lowered = quality.videoLevel === 1;
  return (
    <div className="alert alert-info weak-connection" role="status" data-testid="weak-connection" data-weak={quality.weak}
      data-video-level={quality.videoLevel}>
      {quality.weak === 'partner'
        ? `${partnerName}’s connection is weak: their video may freeze or lag. Turning off their camera or switching network helps them.`
        : quality.weak === 'mine'
          ? 'Your connection is weak. Turning off your camera, closing other downloads or switching network helps.'
          : `The connection between you and ${partnerName} is weak. Turning off cameras or switching network helps.`}
      {paused && ' Your video is paused so your voice stays clear; it comes back by itself when the line recovers.'}
      {lowered && ' Your video is sent at a lower quality for now to keep the call going.'}
    </div>
  );
}

const STALL_WORDS: Record<StallReason, string> = {
  'no-candidates': 'Your browsers couldn’t find a network route to each other.',
  'relay-unreachable': 'We couldn’t reach the relay server that carries calls through strict networks.',
  'checks-failed': 'A firewall or network between you is blocking the direct connection.',
  'partner-left': 'Your partner left before the call connected.',
  'media-refused': 'The call couldn’t start with your camera and microphone blocked.',
};

/** 15 s without a connection: why, and the next step that fits (retry, the relay, audio only). */
function Stalled({ engine, reason, relayOnly }: { engine: CallEngine; reason: StallReason; relayOnly: boolean }) {
  return (
    <div className="alert alert-error" role="alert" data-testid="call-stalled" data-reason={reason}>
      <p>The call hasn’t connected yet. {STALL_WORDS[reason]}</p>
      {reason !== 'partner-left' && (
        <div className="button-row">
          <button type="button" className="button button-secondary" onClick={() => engine.retry()} data-testid="stall-retry">
            Try again
          </button>
          {!relayOnly && (
            <button type="button" className="button button-secondary" onClick={() => engine.retry({ relay: true })}
              data-testid="stall-relay">
              Connect through the relay
            </button>
          )}
          <button type="button" className="button button-secondary" data-testid="stall-audio"
            onClick={() => void engine.setVideoEnabled(false).finally(() => engine.retry({ relay: true }))}>
            Audio only
          </button>
        </div>
      )}
    </div>
  );
}

/** Leave ends the session for both: say so, and what it means, before it happens. */
function LeaveConfirm({ partnerName, onLeave, onStay }: { partnerName: string; onLeave: () => void; onStay: () => void }) {
  const stay = useRef<HTMLButtonElement>(null);
  useEffect(() => stay.current?.focus(), []);
  return (
    <div className="leave-confirm card" role="alertdialog" aria-labelledby="leave-title" aria-describedby="leave-text"
      data-testid="leave-confirm" onKeyDown={(e) => e.key === 'Escape' && onStay()}>
      <h3 id="leave-title">Leave the session?</h3>
      <p id="leave-text">
        This ends the session for both of you: {partnerName} is told at once and can’t continue without you.
        A session you leave early doesn’t count as completed, which lowers your reliability on your profile.
        Only a dropped connection? Stay: the call reconnects by itself.
      </p>
      <div className="button-row">
        <button type="button" ref={stay} className="button button-secondary" onClick={onStay} data-testid="leave-cancel">Stay</button>
        <button type="button" className="button button-danger" onClick={onLeave} data-testid="leave-confirm-button">
          Leave and end the session
        </button>
      </div>
    </div>
  );
}

export function CallView({
  engine,
  snap,
  partnerName,
  onLeave,
  side,
  workspace,
  notice,
}: {
  engine: CallEngine;
  snap: EngineSnapshot;
  partnerName: string;
  onLeave: () => void;
  side: React.ReactNode;
  /** The shared editor, beside the videos. */
  workspace?: React.ReactNode;
  /** Above the videos: news that changes the session (the partner left). */
  notice?: React.ReactNode;
}) {
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [wideSide, toggleWideSide] = useWideSidePanel();
  const [busy, setBusy] = useState<string | null>(null);
  const [controlError, setControlError] = useState<string | null>(null);
  const partner = snap.partner;
  const partnerHere = !!partner && partner.state !== 'left';
  const remoteSpeaking = useSpeaking(snap.remoteStream, snap.state === 'connected' && !!partner?.audioEnabled);
  const localSpeaking = useSpeaking(snap.localStream, snap.audioEnabled);

  async function run(name: string, fn: () => Promise<void> | void) {
    setBusy(name);
    setControlError(null);
    try {
      await fn();
    } catch (err) {
      const denied = err instanceof DOMException && err.name === 'NotAllowedError';
      setControlError(denied ? 'Sharing was cancelled or blocked by the browser.' : `That didn’t work: ${String(err)}`);
    } finally {
      setBusy(null);
    }
  }

  // Keyboard: M toggles the microphone, V the camera (outside text fields).
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable || /INPUT|TEXTAREA|SELECT/.test(t.tagName)))) return;
      if (e.key === 'm' || e.key === 'M') engine.setAudioEnabled(!engine.snapshot.audioEnabled);
      if (e.key === 'v' || e.key === 'V') void engine.setVideoEnabled(!engine.snapshot.videoEnabled).catch(() => undefined);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [engine]);

  const stateClass = snap.state === 'connected' ? 'ok' : snap.state === 'failed' ? 'bad' : 'wait';

  return (
    <div className={`room${workspace ? ' room-with-workspace' : ''}${wideSide ? ' room-side-wide' : ''}`} data-testid="room">
      <div className="room-main">
        <div className="room-topbar">
          <span className={`conn-badge conn-${stateClass}`} data-testid="call-state" data-state={snap.state} role="status" aria-live="polite">
            {snap.state === 'connected' ? <Wifi size={14} aria-hidden="true" /> : <WifiOff size={14} aria-hidden="true" />}
            {notice && snap.state === 'left' ? 'Call ended' : STATE_LABEL[snap.state]}
          </span>
          {snap.channelOpen && <span className="muted small" data-testid="channel-open">Live link open</span>}
        </div>
        {notice}
        {snap.error && snap.state !== 'connected' && !notice && <div className="alert alert-error" role="alert">{snap.error}</div>}
        {snap.stall && snap.state !== 'connected' && !notice && <Stalled engine={engine} reason={snap.stall} relayOnly={snap.relayOnly} />}
        {snap.state === 'connected' && snap.quality && <WeakConnection quality={snap.quality} partnerName={partnerName} />}
        <div className="stage">
          <VideoTile stream={snap.remoteStream} muted={false} label={partnerName}
            showVideo={partnerHere && !!partner?.videoEnabled || !!partner?.screenSharing} speaking={remoteSpeaking}
            testId="remote-video">
            <SignalBars value={partnerHere && snap.state === 'connected' ? (snap.quality?.partnerBars ?? null) : null}
              testId="signal-remote" who={`${partnerName}’s`} />
            <span className="partner-flags" data-testid="partner-flags">
              {!partnerHere && <span className="flag" data-testid="partner-absent">not here yet</span>}
              {partnerHere && !partner?.audioEnabled && (
                <span className="flag" data-testid="partner-muted"><MicOff size={12} aria-hidden="true" /> muted</span>
              )}
              {partnerHere && !partner?.videoEnabled && !partner?.screenSharing && (
                <span className="flag" data-testid="partner-camera-off"><VideoOff size={12} aria-hidden="true" /> camera off</span>
              )}
              {partnerHere && partner?.screenSharing && (
                <span className="flag flag-accent" data-testid="partner-sharing"><MonitorUp size={12} aria-hidden="true" /> sharing screen</span>
              )}
            </span>
          </VideoTile>
          <div className="self-view">
            <VideoTile stream={snap.localStream} muted label="You" showVideo={snap.videoEnabled && !snap.screenSharing}
              speaking={localSpeaking} testId="local-video" mirrored>
              <SignalBars value={snap.state === 'connected' ? (snap.quality?.myBars ?? null) : null} testId="signal-local" who="Your" />
            </VideoTile>
          </div>
        </div>
        {controlError && <div className="alert alert-error" role="alert">{controlError}</div>}
        <div className="controls" role="toolbar" aria-label="Call controls">
          <button type="button" className={`control${snap.audioEnabled ? '' : ' control-off'}`} data-testid="toggle-audio"
            aria-pressed={!snap.audioEnabled} disabled={!snap.localStream.getAudioTracks().length}
            onClick={() => engine.setAudioEnabled(!snap.audioEnabled)} title="Microphone (M)">
            {snap.audioEnabled ? <Mic size={18} aria-hidden="true" /> : <MicOff size={18} aria-hidden="true" />}
            <span>{snap.audioEnabled ? 'Mute' : 'Unmute'}</span>
          </button>
          <button type="button" className={`control${snap.videoEnabled ? '' : ' control-off'}`} data-testid="toggle-video"
            aria-pressed={!snap.videoEnabled} disabled={busy === 'video'}
            onClick={() => void run('video', () => engine.setVideoEnabled(!snap.videoEnabled))} title="Camera (V)">
            {snap.videoEnabled ? <Video size={18} aria-hidden="true" /> : <VideoOff size={18} aria-hidden="true" />}
            <span>{snap.videoEnabled ? 'Stop camera' : 'Start camera'}</span>
          </button>
          <button type="button" className={`control${snap.screenSharing ? ' control-on' : ''}`} data-testid="toggle-screen"
            aria-pressed={snap.screenSharing} disabled={busy === 'screen' || !navigator.mediaDevices?.getDisplayMedia}
            onClick={() => void run('screen', () => (snap.screenSharing ? engine.stopScreenShare() : engine.startScreenShare()))}>
            {snap.screenSharing ? <MonitorX size={18} aria-hidden="true" /> : <MonitorUp size={18} aria-hidden="true" />}
            <span>{snap.screenSharing ? 'Stop sharing' : 'Share screen'}</span>
          </button>
          <button type="button" className="control control-leave" data-testid="leave-call" onClick={() => setConfirmLeave(true)}
            aria-expanded={confirmLeave}>
            <PhoneOff size={18} aria-hidden="true" />
            <span>Leave</span>
          </button>
        </div>
        {confirmLeave && <LeaveConfirm partnerName={partnerName} onLeave={onLeave} onStay={() => setConfirmLeave(false)} />}
      </div>
      {workspace && <div className="room-work">{workspace}</div>}
      <aside className="room-side" aria-label="Session">
        {/* Long prompts and solutions read better wider; a button, so the keyboard reaches it too. */}
        <button type="button" className="button button-sm button-ghost side-widen" onClick={toggleWideSide} aria-pressed={wideSide}
          data-testid="side-widen" title={wideSide ? 'Make the question panel narrower' : 'Widen the question panel'}>
          {wideSide ? <PanelRightClose size={14} aria-hidden="true" /> : <PanelRightOpen size={14} aria-hidden="true" />}
          {wideSide ? 'Narrower panel' : 'Wider panel'}
        </button>
        {side}
      </aside>
    </div>
  );
}
