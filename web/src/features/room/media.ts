/** Camera and microphone access for the pre-join check, with problems explained in plain words. */

export interface DeviceChoice {
  audioDeviceId?: string;
  videoDeviceId?: string;
}

export interface Devices {
  audio: MediaDeviceInfo[];
  video: MediaDeviceInfo[];
}

export type MediaProblem = 'denied' | 'no-device' | 'in-use' | 'unsupported' | 'other';

export class MediaAccessError extends Error {
  constructor(
    readonly problem: MediaProblem,
    message: string,
  ) {
    super(message);
  }
}

function explainMediaError(err: unknown): MediaAccessError {
  const name = err instanceof DOMException ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MediaAccessError(
        'denied',
        'Your browser is blocking the camera and microphone for Salamin. Allow them in the address bar’s site settings and try again — or join with audio only or without them.',
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MediaAccessError(
        'no-device',
        'We couldn’t find a camera or microphone. Plug one in and try again, or join without them and use the chat and editor.',
      );
    case 'NotReadableError':
    case 'AbortError':
      return new MediaAccessError(
        'in-use',
        'Your camera or microphone is busy — another app or tab may be using it. Close it and try again.',
      );
    default:
      if (!navigator.mediaDevices?.getUserMedia)
        return new MediaAccessError('unsupported', 'This browser can’t share a camera or microphone here. Try a current Chrome, Edge or Firefox.');
      return new MediaAccessError('other', `We couldn’t start your camera or microphone (${String(err)}).`);
  }
}

export async function openMedia(audio: boolean, video: boolean, choice: DeviceChoice): Promise<MediaStream> {
  if (!audio && !video) return new MediaStream();
  if (!navigator.mediaDevices?.getUserMedia) throw explainMediaError(new Error('unsupported'));
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: audio
        ? { ...(choice.audioDeviceId ? { deviceId: { exact: choice.audioDeviceId } } : {}), echoCancellation: true, noiseSuppression: true }
        : false,
      video: video
        ? { ...(choice.videoDeviceId ? { deviceId: { exact: choice.videoDeviceId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 } }
        : false,
    });
  } catch (err) {
    throw explainMediaError(err);
  }
}

export async function listDevices(): Promise<Devices> {
  if (!navigator.mediaDevices?.enumerateDevices) return { audio: [], video: [] };
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    audio: all.filter((d) => d.kind === 'audioinput' && d.deviceId),
    video: all.filter((d) => d.kind === 'videoinput' && d.deviceId),
  };
}
