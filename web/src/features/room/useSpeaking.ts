import { useEffect, useState } from 'react';

const THRESHOLD = 0.02; // RMS of the waveform, roughly a normal speaking voice on a headset
const HOLD_MS = 300; // keeps the ring from flickering between words

/** True while the stream's audio is above a speaking level. */
export function useSpeaking(stream: MediaStream | null, enabled: boolean): boolean {
  const [speaking, setSpeaking] = useState(false);
  const trackId = stream?.getAudioTracks()[0]?.id ?? null;

  useEffect(() => {
    if (!stream || !enabled || !trackId || typeof AudioContext === 'undefined') {
      setSpeaking(false);
      return;
    }
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(stream);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    let lastLoud = 0;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const rms = Math.sqrt(sum / buf.length);
      const now = performance.now();
      if (rms > THRESHOLD) lastLoud = now;
      setSpeaking(now - lastLoud < HOLD_MS);
    }, 100);
    return () => {
      clearInterval(timer);
      source.disconnect();
      void ctx.close();
    };
  }, [stream, enabled, trackId]);

  return speaking;
}
