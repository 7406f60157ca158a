/**
 * The self-view drawn on a canvas, frame by frame from a video element that is never put on the page.
 *
 * Why not a <video>: Chrome on desktop takes a page with two or more playing videos for a video conference
 * and lowers the whole page's frame rate to the videos' own (a camera's 30 fps: a frame every 33 ms) while
 * the person gives no input there. The partner's strokes on the board and keystrokes in the editor then
 * show up to 33 ms late, at the next of those frames (measured in the room: 33 ms between frames with both
 * tiles as videos, 17 ms with one). With the partner's tile as the only <video>, the page keeps the
 * display's rate; the self-view looks the same.
 */
import { useEffect, useRef } from 'react';

/** The canvas's pixel size for a frame shown in a box: the frame's aspect, no larger than the box (or the frame). */
function canvasSize(frame: { width: number; height: number }, box: { width: number; height: number }): { width: number; height: number } {
  if (frame.width <= 0 || frame.height <= 0) return { width: 0, height: 0 };
  const scale = Math.min(1, box.width > 0 ? box.width / frame.width : 1, box.height > 0 ? box.height / frame.height : 1);
  return { width: Math.max(1, Math.round(frame.width * scale)), height: Math.max(1, Math.round(frame.height * scale)) };
}

export default function SelfViewCanvas({ stream, visible, className, testId }: {
  stream: MediaStream | null;
  visible: boolean;
  className: string;
  testId: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !stream || !visible) return;
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    void video.play().catch(() => undefined); // muted: allowed without a gesture; a refusal leaves the tile blank
    let stopped = false;
    let frame = 0;
    const draw = () => {
      if (stopped) return;
      if (video.videoWidth && video.videoHeight) {
        const dpr = window.devicePixelRatio || 1;
        const size = canvasSize({ width: video.videoWidth, height: video.videoHeight },
          { width: canvas.clientWidth * dpr, height: canvas.clientHeight * dpr });
        if (canvas.width !== size.width || canvas.height !== size.height) {
          canvas.width = size.width;
          canvas.height = size.height;
        }
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      }
      schedule();
    };
    // Once per camera frame where the browser can say so; else once per display frame.
    const perFrame = 'requestVideoFrameCallback' in video;
    const schedule = () => {
      frame = perFrame ? video.requestVideoFrameCallback(draw) : requestAnimationFrame(draw);
    };
    schedule();
    return () => {
      stopped = true;
      if (perFrame) video.cancelVideoFrameCallback(frame);
      else cancelAnimationFrame(frame);
      video.pause();
      video.srcObject = null;
    };
  }, [stream, visible]);
  return <canvas ref={ref} className={className} style={{ visibility: visible ? 'visible' : 'hidden' }} data-testid={testId} />;
}
