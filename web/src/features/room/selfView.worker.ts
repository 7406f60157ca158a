/**
 * Draws the self-view off the main thread: the camera's frames (a MediaStreamTrackProcessor's stream,
 * transferred here) onto the tile's canvas (transferred with transferControlToOffscreen). A canvas updated
 * from a worker reaches the compositor without the page's main thread or paint, and it is not a video: see
 * SelfViewOffscreen for why the self-view must not be a second <video>.
 */
import { selfViewSize } from './selfViewSize';

type Box = { width: number; height: number };
export type SelfViewMessage =
  | { start: { canvas: OffscreenCanvas; frames: ReadableStream<VideoFrame>; box: Box } }
  | { box: Box }
  | { stop: true };

// This file runs as a dedicated worker: only the two members of its global scope it uses.
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<SelfViewMessage>) => void) | null;
  close(): void;
};

let box: Box = { width: 0, height: 0 };
let reader: ReadableStreamDefaultReader<VideoFrame> | null = null;
let stopped = false;

function end(): void {
  stopped = true;
  // Cancelling releases the frames still queued; the camera track itself is the page's and keeps running.
  void reader?.cancel().catch(() => undefined);
  scope.close();
}

async function draw(canvas: OffscreenCanvas, frames: ReadableStream<VideoFrame>): Promise<void> {
  const ctx = canvas.getContext('2d', { alpha: false });
  reader = frames.getReader();
  if (!ctx) return end();
  for (;;) {
    const { value: frame, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
    if (done || stopped) {
      frame?.close();
      break; // the camera track ended (camera off, leaving): nothing more will come
    }
    try {
      const size = selfViewSize({ width: frame.displayWidth, height: frame.displayHeight }, box);
      if (canvas.width !== size.width || canvas.height !== size.height) {
        canvas.width = size.width;
        canvas.height = size.height;
      }
      ctx.drawImage(frame, 0, 0, canvas.width, canvas.height);
    } finally {
      // Camera frames come from a small pool: one held too long stalls the camera (and the call's video).
      frame.close();
    }
  }
  end();
}

scope.onmessage = (e) => {
  const m = e.data;
  if ('start' in m) {
    box = m.start.box;
    void draw(m.start.canvas, m.start.frames);
  } else if ('box' in m) {
    box = m.box;
  } else {
    end();
  }
};
