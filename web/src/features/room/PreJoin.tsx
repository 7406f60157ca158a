import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Mic, MicOff, Video, VideoOff } from 'lucide-react';
import { listDevices, MediaAccessError, openMedia, type Devices } from './media';
import { recordFailedAttempt } from './roomData';

export interface JoinChoice {
  stream: MediaStream;
  audioEnabled: boolean;
  videoEnabled: boolean;
  videoDeviceId?: string;
}

/**
 * The pre-join check: a preview of the camera, a level of the microphone, device pickers, and joining
 * with either switched off. When the browser refuses access or there is no device, it says so and offers
 * audio only or joining without camera and microphone (the editor and chat still work).
 */
export function PreJoin({ partnerName, onJoin, sessionId, uid }: {
  partnerName: string;
  onJoin: (c: JoinChoice) => void;
  /** Where a refused camera or microphone is recorded as an attempt that could not connect. */
  sessionId: string;
  uid: string;
}) {
  const ids = useId();
  const videoRef = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [devices, setDevices] = useState<Devices>({ audio: [], video: [] });
  const [audioDeviceId, setAudioDeviceId] = useState<string | undefined>();
  const [videoDeviceId, setVideoDeviceId] = useState<string | undefined>();
  const [audioOn, setAudioOn] = useState(true);
  const [videoOn, setVideoOn] = useState(true);
  const [wantAudio, setWantAudio] = useState(true);
  const [wantVideo, setWantVideo] = useState(true);
  const [problem, setProblem] = useState<MediaAccessError | null>(null);
  const [loading, setLoading] = useState(true);
  const streamRef = useRef<MediaStream | null>(null);
  const refusals = useRef(0);

  const acquire = useCallback(async (audio: boolean, video: boolean, a?: string, v?: string) => {
    setLoading(true);
    setProblem(null);
    streamRef.current?.getTracks().forEach((t) => t.stop());
    try {
      const s = await openMedia(audio, video, { audioDeviceId: a, videoDeviceId: v });
      streamRef.current = s;
      setStream(s);
      setDevices(await listDevices());
    } catch (err) {
      streamRef.current = null;
      setStream(null);
      const found = err instanceof MediaAccessError ? err : new MediaAccessError('other', String(err));
      setProblem(found);
      // A refused camera or microphone is an attempt that cannot connect as asked: recorded with its
      // reason like any other (the rules space records 10 s apart; a refused write changes nothing here).
      if (found.problem === 'denied') {
        refusals.current += 1;
        void recordFailedAttempt(sessionId, uid, 'media-refused', refusals.current).catch(() => undefined);
      }
    } finally {
      setLoading(false);
    }
  }, [sessionId, uid]);

  useEffect(() => {
    void acquire(true, true);
  }, [acquire]);

  useEffect(() => {
    if (videoRef.current) videoRef.current.srcObject = stream;
  }, [stream]);

  const hasVideo = !!stream?.getVideoTracks().length;
  const hasAudio = !!stream?.getAudioTracks().length;

  function join() {
    const s = streamRef.current ?? new MediaStream();
    streamRef.current = null; // handed over to the call, which now owns (and later stops) it
    onJoin({ stream: s, audioEnabled: audioOn && hasAudio, videoEnabled: videoOn && hasVideo, videoDeviceId });
  }

  function fallback(audio: boolean, video: boolean) {
    setWantAudio(audio);
    setWantVideo(video);
    if (!audio && !video) {
      setProblem(null);
      setStream(new MediaStream());
      streamRef.current = new MediaStream();
      return;
    }
    void acquire(audio, video, audioDeviceId, videoDeviceId);
  }

  return (
    <div className="prejoin card" data-testid="prejoin">
      <div className="prejoin-preview">
        {hasVideo && videoOn ? (
          <video ref={videoRef} autoPlay playsInline muted className="prejoin-video" data-testid="prejoin-video" />
        ) : (
          <div className="video-off">{loading ? 'Starting your camera…' : 'Camera off'}</div>
        )}
      </div>
      <div className="prejoin-side">
        <h2>Ready to join?</h2>
        <p className="muted">You’ll practise with {partnerName}. Check how you look and sound first.</p>
        {problem && (
          <div className="alert alert-error" role="alert" data-testid="media-problem">
            <p>{problem.message}</p>
            <div className="button-row">
              {wantVideo && (
                <button type="button" className="button button-secondary" onClick={() => fallback(true, false)} data-testid="join-audio-only">
                  Use audio only
                </button>
              )}
              <button type="button" className="button button-secondary" onClick={() => fallback(false, false)} data-testid="join-text-only">
                Join without camera and microphone
              </button>
              <button type="button" className="link-button" data-testid="media-retry"
                onClick={() => void acquire(wantAudio, wantVideo, audioDeviceId, videoDeviceId)}>
                Try again
              </button>
            </div>
          </div>
        )}
        {devices.video.length > 0 && wantVideo && (
          <div className="field">
            <label htmlFor={`${ids}-cam`}>Camera</label>
            <select id={`${ids}-cam`} value={videoDeviceId ?? ''} data-testid="camera-select"
              onChange={(e) => {
                setVideoDeviceId(e.target.value || undefined);
                void acquire(wantAudio, true, audioDeviceId, e.target.value || undefined);
              }}>
              <option value="">Default camera</option>
              {devices.video.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>{d.label || `Camera ${i + 1}`}</option>
              ))}
            </select>
          </div>
        )}
        {devices.audio.length > 0 && wantAudio && (
          <div className="field">
            <label htmlFor={`${ids}-mic`}>Microphone</label>
            <select id={`${ids}-mic`} value={audioDeviceId ?? ''} data-testid="mic-select"
              onChange={(e) => {
                setAudioDeviceId(e.target.value || undefined);
                void acquire(true, wantVideo, e.target.value || undefined, videoDeviceId);
              }}>
              <option value="">Default microphone</option>
              {devices.audio.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>{d.label || `Microphone ${i + 1}`}</option>
              ))}
            </select>
          </div>
        )}
        <div className="button-row">
          <button type="button" className={`button ${audioOn && hasAudio ? 'button-secondary' : 'button-danger-soft'}`}
            onClick={() => setAudioOn((v) => !v)} disabled={!hasAudio} aria-pressed={!audioOn}
            data-testid="prejoin-toggle-audio">
            {audioOn && hasAudio ? <Mic size={16} aria-hidden="true" /> : <MicOff size={16} aria-hidden="true" />}
            {audioOn && hasAudio ? 'Microphone on' : 'Microphone off'}
          </button>
          <button type="button" className={`button ${videoOn && hasVideo ? 'button-secondary' : 'button-danger-soft'}`}
            onClick={() => setVideoOn((v) => !v)} disabled={!hasVideo} aria-pressed={!videoOn}
            data-testid="prejoin-toggle-video">
            {videoOn && hasVideo ? <Video size={16} aria-hidden="true" /> : <VideoOff size={16} aria-hidden="true" />}
            {videoOn && hasVideo ? 'Camera on' : 'Camera off'}
          </button>
        </div>
        <button type="button" className="button button-primary button-block" onClick={join}
          disabled={loading && !problem} data-testid="join-call" autoFocus>
          Join the session
        </button>
      </div>
    </div>
  );
}
