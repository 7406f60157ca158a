/** The self-view canvas's pixel size: the camera frame's aspect, fitted into the tile (device pixels), never
 * larger than the frame itself (drawing more pixels than the camera gives costs CPU and shows nothing more). */
export function selfViewSize(
  frame: { width: number; height: number },
  box: { width: number; height: number },
): { width: number; height: number } {
  if (frame.width <= 0 || frame.height <= 0) return { width: 0, height: 0 };
  const scale = Math.min(1, box.width > 0 ? box.width / frame.width : 1, box.height > 0 ? box.height / frame.height : 1);
  return { width: Math.max(1, Math.round(frame.width * scale)), height: Math.max(1, Math.round(frame.height * scale)) };
}
