/**
 * The self-view: the person's own camera, drawn by a worker on a canvas where the browser can, not shown
 * as a second <video>.
 *
 * Why: Chrome on desktop takes a page with two or more playing videos for a video conference and lowers the
 * whole page's frame rate to the videos' own (a camera's 30 fps) while the person gives no input there
 * (Chromium's VideoConferenceMatcher counts video surfaces only). A partner's stroke on the board or
 * keystroke in the editor then waited up to 33 ms for the next frame. With the partner's tile as the page's
 * only <video>, the page keeps the display's rate. Drawing the self-view on the main thread instead (tried)
 * ran the page's paint pipeline on every camera frame and cost more than it saved; from a worker it does not.
 *
 * Its own chunk, loaded as the call starts, and the worker another: the app's initial JavaScript only
 * carries the lazy import. Where MediaStreamTrackProcessor or OffscreenCanvas is missing (browsers other
 * than Chromium), or with ?selfview=video (to compare), the self-view is a <video> as before.
 */
import { useEffect, useRef, useState } from 'react';
import type { SelfViewMessage } from './selfView.worker';

type TrackProcessor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };

function processorClass(): TrackProcessor | undefined {
  return (globalThis as { MediaStreamTrackProcessor?: TrackProcessor }).MediaStreamTrackProcessor;
}

function canDrawOffscreen(): boolean {
  return !!processorClass() && typeof OffscreenCanvas === 'function' && typeof Worker === 'function'
    && 'transferControlToOffscreen' in HTMLCanvasElement.prototype
    && new URLSearchParams(window.location.search).get('selfview') !== 'video';
}

function OffscreenSelfView({ track, className, testId }: { track: MediaStreamTrack; className: string; testId: string }) {
  const holder = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const Processor = processorClass();
    const el = holder.current;
    if (!el || !Processor) return;
    // Made here, not by React: a canvas hands its control to a worker only once, and a remount needs a new one.
    const canvas = document.createElement('canvas');
    canvas.className = className;
    canvas.dataset.testid = testId;
    el.appendChild(canvas);
    const offscreen = canvas.transferControlToOffscreen();
    // One frame buffered: if the worker falls behind it draws the newest frame, and holds no others.
    const frames = new Processor({ track, maxBufferSize: 1 }).readable;
    const worker = new Worker(new URL('./selfView.worker.ts', import.meta.url), { type: 'module', name: 'self-view' });
    const post = (m: SelfViewMessage, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
    const box = () => {
      const dpr = window.devicePixelRatio || 1;
      return { width: Math.round(canvas.clientWidth * dpr), height: Math.round(canvas.clientHeight * dpr) };
    };
    post({ start: { canvas: offscreen, frames, box: box() } }, [offscreen, frames]);
    const resize = new ResizeObserver(() => post({ box: box() }));
    resize.observe(canvas);
    return () => {
      resize.disconnect();
      post({ stop: true }); // the worker cancels its stream and closes itself
      canvas.remove();
    };
  }, [track, className, testId]);
  return <span ref={holder} style={{ display: 'contents' }} />;
}

function VideoSelfView({ stream, visible, className, testId }: { stream: MediaStream | null; visible: boolean; className: string; testId: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el && el.srcObject !== stream) el.srcObject = stream;
  }, [stream]);
  return <video ref={ref} autoPlay playsInline muted className={className} style={{ visibility: visible ? 'visible' : 'hidden' }} data-testid={testId} />;
}

export default function SelfView({ stream, visible, className, testId }: {
  stream: MediaStream | null;
  visible: boolean;
  className: string;
  testId: string;
}) {
  const [offscreen] = useState(canDrawOffscreen);
  if (!offscreen) return <VideoSelfView stream={stream} visible={visible} className={className} testId={testId} />;
  // The stream stays the same object while the camera is turned off and on: follow its track.
  const track = stream?.getVideoTracks()[0] ?? null;
  return visible && track ? <OffscreenSelfView key={track.id} track={track} className={className} testId={testId} /> : null;
}
