/**
 * How good the call is, from the browser's own statistics (RTCPeerConnection.getStats), every few
 * seconds: round-trip time, packet loss, jitter, frames per second, freezes, resolution, audio
 * concealment, and whether the call goes direct or through the relay.
 *
 * The pure parts (reading a stats report into counters, a sample from two readings, a verdict, the
 * summary for the session, the video ladder) are separate from the monitor that polls and acts, so they
 * are unit-tested without a browser.
 */

/** Cumulative counters read from one getStats() report. */
export interface StatsReading {
  at: number;
  rttMs: number | null;
  /** What we receive. */
  inPackets: number;
  inLost: number;
  jitterMs: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
  freezeCount: number;
  freezeMs: number;
  audioSamples: number;
  concealedSamples: number;
  /** What the partner reports receiving from us (RTCP receiver reports). */
  outFractionLost: number | null;
  /** The sender's own verdict: bandwidth limits the video we send. */
  outLimited: boolean;
  /** Video bytes sent so far (a paused video's report stays in getStats, with its last limitation). */
  outVideoBytes: number;
  relayed: boolean | null;
}

/** One interval between two readings. */
export interface QualitySample {
  rttMs: number | null;
  /** Percent of what we received that was lost in this interval. */
  inLossPct: number;
  /** Percent of what we sent that the partner reports lost. */
  outLossPct: number;
  jitterMs: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
  freezeMs: number;
  concealedPct: number;
  outLimited: boolean;
  relayed: boolean | null;
}

export type Verdict = 'good' | 'fair' | 'weak';

export interface QualityView {
  /** 0-4 signal bars for each side (the partner's from what we receive). */
  myBars: number;
  partnerBars: number;
  /** Whose connection looks weak, if anyone's ('both': both directions suffer, we cannot tell whose). */
  weak: 'mine' | 'partner' | 'both' | null;
  relayed: boolean | null;
  /** 0 full video, 1 lowered resolution and frame rate, 2 video paused to keep audio. */
  videoLevel: number;
}

type Stat = Record<string, unknown>;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Receiver reports older than this say nothing about the last interval: audio's come every ~5 s, so this
 * spans one lost report; a paused video's last one ages out of it.
 */
const FRESH_REPORT_MS = 11_000;

/** Is a remote-inbound-rtp report recent? Without timestamps to compare, only audio's counts (it never pauses). */
function isFresh(s: Stat, now: number | null): boolean {
  const t = num(s.timestamp);
  if (now === null || t === null) return s.kind === 'audio';
  return now - t <= FRESH_REPORT_MS;
}

/** A getStats() report (any Map-like of stat objects) as counters. */
export function readStats(report: Iterable<[string, unknown]>, at: number): StatsReading {
  const byId = new Map<string, Stat>();
  for (const [id, v] of report) if (v && typeof v === 'object') byId.set(id, v as Stat);
  const r: StatsReading = {
    at, rttMs: null, inPackets: 0, inLost: 0, jitterMs: null, fps: null, width: null, height: null, freezeCount: 0,
    freezeMs: 0, audioSamples: 0, concealedSamples: 0, outFractionLost: null, outLimited: false, outVideoBytes: 0,
    relayed: null,
  };
  // The pair in use: the transport names it; older reports only mark it nominated.
  // The report's own clock (a remote report's timestamp is when it arrived, on the same clock).
  let now: number | null = null;
  for (const s of byId.values()) {
    const t = s.type === 'outbound-rtp' || s.type === 'inbound-rtp' || s.type === 'transport' ? num(s.timestamp) : null;
    if (t !== null) now = Math.max(now ?? t, t);
  }
  const chosen = [...byId.values()].find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
  const pairId = chosen ? String(chosen.selectedCandidatePairId) : null;
  for (const [id, s] of byId) {
    const kind = s.kind;
    if (s.type === 'candidate-pair' && (pairId ? id === pairId : s.nominated === true && s.state === 'succeeded')) {
      const rtt = num(s.currentRoundTripTime);
      if (rtt !== null) r.rttMs = rtt * 1000;
      const local = byId.get(String(s.localCandidateId));
      const remote = byId.get(String(s.remoteCandidateId));
      if (local || remote) r.relayed = local?.candidateType === 'relay' || remote?.candidateType === 'relay';
    } else if (s.type === 'inbound-rtp') {
      r.inPackets += num(s.packetsReceived) ?? 0;
      r.inLost += Math.max(0, num(s.packetsLost) ?? 0);
      if (kind === 'audio') {
        const j = num(s.jitter);
        if (j !== null) r.jitterMs = j * 1000;
        r.audioSamples += num(s.totalSamplesReceived) ?? 0;
        r.concealedSamples += num(s.concealedSamples) ?? 0;
      } else if (kind === 'video') {
        r.fps = num(s.framesPerSecond) ?? r.fps;
        r.width = num(s.frameWidth) ?? r.width;
        r.height = num(s.frameHeight) ?? r.height;
        r.freezeCount += num(s.freezeCount) ?? 0;
        r.freezeMs += (num(s.totalFreezesDuration) ?? 0) * 1000;
      }
    } else if (s.type === 'remote-inbound-rtp') {
      // Only a recent receiver report says how what we send fares now: a paused video's last report stays
      // in getStats for ever (it would keep the line "weak" and the video paused), and audio's come only
      // every ~5 s, some lost on a lossy line, so video's (about every second while it is sent) count too.
      const f = isFresh(s, now) ? num(s.fractionLost) : null;
      if (f !== null) r.outFractionLost = Math.max(r.outFractionLost ?? 0, f);
      if (r.rttMs === null) {
        const rtt = num(s.roundTripTime);
        if (rtt !== null) r.rttMs = rtt * 1000;
      }
    } else if (s.type === 'outbound-rtp' && kind === 'video') {
      const why = s.qualityLimitationReason;
      if (why === 'bandwidth') r.outLimited = true;
      r.outVideoBytes += num(s.bytesSent) ?? 0;
    }
  }
  return r;
}

/** What happened between two readings of the same connection. */
export function sampleBetween(prev: StatsReading, next: StatsReading): QualitySample {
  const packets = next.inPackets - prev.inPackets;
  const lost = next.inLost - prev.inLost;
  const samples = next.audioSamples - prev.audioSamples;
  const concealed = next.concealedSamples - prev.concealedSamples;
  return {
    rttMs: next.rttMs,
    inLossPct: packets + lost > 0 ? Math.max(0, (100 * lost) / (packets + lost)) : 0,
    outLossPct: 100 * (next.outFractionLost ?? 0),
    jitterMs: next.jitterMs,
    fps: next.fps,
    width: next.width,
    height: next.height,
    freezeMs: Math.max(0, next.freezeMs - prev.freezeMs),
    concealedPct: samples > 0 ? Math.max(0, (100 * concealed) / samples) : 0,
    // Only a video that was sent in this interval: a paused one keeps its last limitation for ever.
    outLimited: next.outLimited && next.outVideoBytes > prev.outVideoBytes,
    relayed: next.relayed,
  };
}

/** Thresholds of a weak interval (docs/architecture.md, "Call quality"). */
const WEAK = { lossPct: 5, rttMs: 400, jitterMs: 50, freezeMs: 2000, concealedPct: 5 } as const;
const FAIR = { lossPct: 2, rttMs: 250, jitterMs: 30 } as const;

/** Bars for one direction: 4 good, 3 fair, 1-2 weak, from loss and round-trip time. */
export function bars(lossPct: number, rttMs: number | null): number {
  const rtt = rttMs ?? 0;
  if (lossPct >= 15 || rtt >= 1000) return 1;
  if (lossPct >= WEAK.lossPct || rtt >= WEAK.rttMs) return 2;
  if (lossPct >= FAIR.lossPct || rtt >= FAIR.rttMs) return 3;
  return 4;
}

/** Is what we receive weak (the partner's side), and is what we send weak (ours)? */
export function verdicts(s: QualitySample): { receive: Verdict; send: Verdict } {
  const rtt = s.rttMs ?? 0;
  const receiveWeak = s.inLossPct >= WEAK.lossPct || s.freezeMs >= WEAK.freezeMs || s.concealedPct >= WEAK.concealedPct
    || (s.jitterMs ?? 0) >= WEAK.jitterMs;
  const sendWeak = s.outLossPct >= WEAK.lossPct || s.outLimited;
  const shared = rtt >= WEAK.rttMs; // a long round trip: we cannot tell whose; count it against both
  return {
    receive: receiveWeak || shared ? 'weak' : s.inLossPct >= FAIR.lossPct || rtt >= FAIR.rttMs ? 'fair' : 'good',
    send: sendWeak || shared ? 'weak' : s.outLossPct >= FAIR.lossPct ? 'fair' : 'good',
  };
}

/**
 * The video ladder: two weak intervals in a row step down (lower resolution and frame rate, then video
 * paused so audio keeps going), five good ones in a row step back up. Audio is never touched.
 */
export interface Ladder {
  level: number;
  weakRun: number;
  goodRun: number;
}

export function nextLadder(l: Ladder, sendWeak: boolean): Ladder {
  if (sendWeak) {
    const weakRun = l.weakRun + 1;
    if (weakRun >= 2 && l.level < 2) return { level: l.level + 1, weakRun: 0, goodRun: 0 };
    return { level: l.level, weakRun, goodRun: 0 };
  }
  const goodRun = l.goodRun + 1;
  if (goodRun >= 5 && l.level > 0) return { level: l.level - 1, weakRun: 0, goodRun: 0 };
  return { level: l.level, weakRun: 0, goodRun };
}

/** The compact per-participant summary written to peerSessions/{id}/quality/{uid} (at most once a minute). */
export interface QualitySummary {
  samples: number;
  /** Seconds of intervals judged weak (either direction). */
  weakSeconds: number;
  rttMsAvg: number;
  rttMsMax: number;
  lossPctAvg: number;
  lossPctMax: number;
  jitterMsMax: number;
  fpsAvg: number;
  freezeMs: number;
  /** Longest freeze in one interval. */
  freezeMsMax: number;
  concealedPctMax: number;
  minHeight: number;
  relayed: boolean;
  videoLevelMax: number;
}

export const EMPTY_SUMMARY: QualitySummary = {
  samples: 0, weakSeconds: 0, rttMsAvg: 0, rttMsMax: 0, lossPctAvg: 0, lossPctMax: 0, jitterMsMax: 0, fpsAvg: 0,
  freezeMs: 0, freezeMsMax: 0, concealedPctMax: 0, minHeight: 0, relayed: false, videoLevelMax: 0,
};

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The summary with one more interval of `seconds` folded in (running averages; bounded numbers). */
export function addToSummary(sum: QualitySummary, s: QualitySample, seconds: number, videoLevel: number): QualitySummary {
  const n = sum.samples + 1;
  const v = verdicts(s);
  const avg = (old: number, x: number) => round1(old + (x - old) / n);
  const cap = (x: number, max: number) => Math.min(max, Math.max(0, round1(x)));
  const loss = Math.max(s.inLossPct, s.outLossPct);
  return {
    samples: Math.min(n, 100000),
    weakSeconds: cap(sum.weakSeconds + (v.receive === 'weak' || v.send === 'weak' ? seconds : 0), 86400),
    rttMsAvg: cap(avg(sum.rttMsAvg, s.rttMs ?? 0), 60000),
    rttMsMax: cap(Math.max(sum.rttMsMax, s.rttMs ?? 0), 60000),
    lossPctAvg: cap(avg(sum.lossPctAvg, loss), 100),
    lossPctMax: cap(Math.max(sum.lossPctMax, loss), 100),
    jitterMsMax: cap(Math.max(sum.jitterMsMax, s.jitterMs ?? 0), 60000),
    fpsAvg: cap(avg(sum.fpsAvg, s.fps ?? 0), 240),
    freezeMs: cap(sum.freezeMs + s.freezeMs, 86_400_000),
    freezeMsMax: cap(Math.max(sum.freezeMsMax, s.freezeMs), 86_400_000),
    concealedPctMax: cap(Math.max(sum.concealedPctMax, s.concealedPct), 100),
    minHeight: cap(s.height === null ? sum.minHeight : sum.minHeight === 0 ? s.height : Math.min(sum.minHeight, s.height), 10000),
    relayed: sum.relayed || s.relayed === true,
    videoLevelMax: Math.max(sum.videoLevelMax, videoLevel),
  };
}

/**
 * A session with quality issues (docs/architecture.md): over a minute of weak intervals (more than 5%
 * loss, a round trip over 400 ms, jitter over 50 ms, over 5% of audio concealed, or a freeze over 2 s).
 */
export function hadQualityIssues(sum: QualitySummary): boolean {
  return sum.weakSeconds > 60;
}
