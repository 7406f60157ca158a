import { useEffect, useRef, useState } from 'react';
import { Mic, MicOff, MonitorUp, MonitorX, PhoneOff, Video, VideoOff, Wifi, WifiOff } from 'lucide-react';
import type { CallEngine, EngineSnapshot, EngineState } from './callEngine';
import { useSpeaking } from './useSpeaking';

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

export function CallView({
  engine,
  snap,
  partnerName,
  onLeave,
  side,
  workspace,
}: {
  engine: CallEngine;
  snap: EngineSnapshot;
  partnerName: string;
  onLeave: () => void;
  side: React.ReactNode;
  /** The shared editor, beside the videos. */
  workspace?: React.ReactNode;
}) {
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
    <div className={`room${workspace ? ' room-with-workspace' : ''}`} data-testid="room">
      <div className="room-main">
        <div className="room-topbar">
          <span className={`conn-badge conn-${stateClass}`} data-testid="call-state" data-state={snap.state} role="status" aria-live="polite">
            {snap.state === 'connected' ? <Wifi size={14} aria-hidden="true" /> : <WifiOff size={14} aria-hidden="true" />}
            {STATE_LABEL[snap.state]}
          </span>
          {snap.channelOpen && <span className="muted small" data-testid="channel-open">Live link open</span>}
        </div>
        {snap.error && snap.state !== 'connected' && <div className="alert alert-error" role="alert">{snap.error}</div>}
        <div className="stage">
          <VideoTile stream={snap.remoteStream} muted={false} label={partnerName}
            showVideo={partnerHere && !!partner?.videoEnabled || !!partner?.screenSharing} speaking={remoteSpeaking}
            testId="remote-video">
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
              speaking={localSpeaking} testId="local-video" mirrored />
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
          <button type="button" className="control control-leave" data-testid="leave-call" onClick={onLeave}>
            <PhoneOff size={18} aria-hidden="true" />
            <span>Leave</span>
          </button>
        </div>
      </div>
      {workspace && <div className="room-work">{workspace}</div>}
      <aside className="room-side" aria-label="Session">
        {side}
      </aside>
    </div>
  );
}
