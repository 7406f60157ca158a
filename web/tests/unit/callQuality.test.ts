import { describe, expect, it } from 'vitest';
import {
  EMPTY_SUMMARY,
  addToSummary,
  bars,
  hadQualityIssues,
  nextLadder,
  readStats,
  sampleBetween,
  verdicts,
  type Ladder,
  type QualitySample,
} from '../../src/features/room/callQuality';
import { candidateKey, candidateLines } from '../../src/features/room/sdp';

/** A getStats() report as Chromium shapes it (only the fields the reader uses). */
function report(o: { rx: number; lost: number; samples: number; concealed: number; freezeS: number; fractionLost?: number;
  limited?: boolean; relay?: boolean; videoBytes?: number }): [string, unknown][] {
  return [
    ['CP1', { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.12, localCandidateId: 'L', remoteCandidateId: 'R' }],
    ['L', { type: 'local-candidate', candidateType: o.relay ? 'relay' : 'host' }],
    ['R', { type: 'remote-candidate', candidateType: 'host' }],
    ['IA', { type: 'inbound-rtp', kind: 'audio', packetsReceived: o.rx, packetsLost: o.lost, jitter: 0.004,
      totalSamplesReceived: o.samples, concealedSamples: o.concealed }],
    ['IV', { type: 'inbound-rtp', kind: 'video', packetsReceived: 0, packetsLost: 0, framesPerSecond: 24, frameWidth: 640,
      frameHeight: 360, freezeCount: o.freezeS > 0 ? 1 : 0, totalFreezesDuration: o.freezeS }],
    ['RI', { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: o.fractionLost ?? 0, roundTripTime: 0.2 }],
    ['OV', { type: 'outbound-rtp', kind: 'video', qualityLimitationReason: o.limited ? 'bandwidth' : 'none',
      bytesSent: o.videoBytes ?? 0 }],
  ];
}

describe('reading getStats', () => {
  it('turns two readings into an interval: loss, concealment, freezes, path', () => {
    const a = readStats(report({ rx: 1000, lost: 0, samples: 48000, concealed: 0, freezeS: 0 }), 0);
    const b = readStats(report({ rx: 1900, lost: 100, samples: 96000, concealed: 4800, freezeS: 2.5, relay: true }), 3000);
    const s = sampleBetween(a, b);
    expect(s.inLossPct).toBeCloseTo(10);
    expect(s.concealedPct).toBeCloseTo(10);
    expect(s.freezeMs).toBe(2500);
    expect(s.rttMs).toBeCloseTo(120);
    expect(s.jitterMs).toBeCloseTo(4);
    expect(s.relayed).toBe(true);
    expect(s.height).toBe(360);
    expect(verdicts(s).receive).toBe('weak');
  });

  it('tells what we send suffering from what we receive suffering', () => {
    const a = readStats(report({ rx: 1000, lost: 0, samples: 48000, concealed: 0, freezeS: 0 }), 0);
    const b = readStats(report({ rx: 2000, lost: 0, samples: 96000, concealed: 0, freezeS: 0, fractionLost: 0.1 }), 3000);
    expect(verdicts(sampleBetween(a, b))).toEqual({ receive: 'good', send: 'weak' });
    // Bandwidth-limited video that is being sent is weak; a paused video's stale limitation (no bytes
    // sent in the interval) counts for nothing, or the video would stay paused and the line weak for ever.
    const c = readStats(report({ rx: 2000, lost: 0, samples: 96000, concealed: 0, freezeS: 0, limited: true, videoBytes: 5000 }), 3000);
    expect(verdicts(sampleBetween(a, c)).send).toBe('weak');
    const paused = readStats(report({ rx: 1000, lost: 0, samples: 48000, concealed: 0, freezeS: 0, limited: true, videoBytes: 5000 }), 0);
    const still = readStats(report({ rx: 2000, lost: 0, samples: 96000, concealed: 0, freezeS: 0, limited: true, videoBytes: 5000 }), 3000);
    expect(sampleBetween(paused, still).outLimited).toBe(false);
    expect(verdicts(sampleBetween(paused, still)).send).toBe('good');
    const d = readStats(report({ rx: 2000, lost: 0, samples: 96000, concealed: 0, freezeS: 0 }), 3000);
    expect(verdicts(sampleBetween(a, d))).toEqual({ receive: 'good', send: 'good' });
  });

  it('judges what we send by recent receiver reports of either kind, never by a stale one', () => {
    // Chromium stamps each stat; a remote report's stamp is when it arrived.
    const at = (now: number, audio: [number, number], video: [number, number]): [string, unknown][] => [
      ['OV', { type: 'outbound-rtp', kind: 'video', timestamp: now, bytesSent: 1000, qualityLimitationReason: 'none' }],
      ['RA', { type: 'remote-inbound-rtp', kind: 'audio', timestamp: audio[0], fractionLost: audio[1] }],
      ['RV', { type: 'remote-inbound-rtp', kind: 'video', timestamp: video[0], fractionLost: video[1] }],
    ];
    const prev = readStats(at(100_000, [99_000, 0], [99_900, 0]), 0);
    // Audio's report is 6 s old and said nothing was lost; video's, a second old, says a third is: weak.
    const lossy = readStats(at(103_000, [97_000, 0], [102_000, 0.35]), 3000);
    expect(sampleBetween(prev, lossy).outLossPct).toBeCloseTo(35);
    expect(verdicts(sampleBetween(prev, lossy)).send).toBe('weak');
    // The video was paused 20 s ago: its last (bad) report no longer counts; audio's fresh one is clean.
    const paused = readStats(at(130_000, [128_000, 0], [110_000, 0.5]), 30_000);
    expect(verdicts(sampleBetween(prev, paused)).send).toBe('good');
    // Nothing recent at all: no verdict from old news.
    const silent = readStats(at(160_000, [140_000, 0.4], [110_000, 0.5]), 60_000);
    expect(sampleBetween(prev, silent).outLossPct).toBe(0);
  });
});

describe('signal bars', () => {
  it('fall with loss and round trip', () => {
    expect(bars(0, 30)).toBe(4);
    expect(bars(3, 30)).toBe(3);
    expect(bars(6, 30)).toBe(2);
    expect(bars(0, 500)).toBe(2);
    expect(bars(20, 30)).toBe(1);
  });
});

describe('the video ladder', () => {
  it('steps down after two weak intervals, to paused at most, and back up after five good ones', () => {
    let l: Ladder = { level: 0, weakRun: 0, goodRun: 0 };
    l = nextLadder(l, true);
    expect(l.level).toBe(0);
    l = nextLadder(l, true);
    expect(l.level).toBe(1);
    for (let i = 0; i < 6; i++) l = nextLadder(l, true);
    expect(l.level).toBe(2);
    for (let i = 0; i < 4; i++) l = nextLadder(l, false);
    expect(l.level).toBe(2);
    l = nextLadder(l, false);
    expect(l.level).toBe(1);
    l = nextLadder(l, true); // one weak interval resets the good run
    for (let i = 0; i < 4; i++) l = nextLadder(l, false);
    expect(l.level).toBe(1);
  });
});

describe('the quality summary', () => {
  const good: QualitySample = { rttMs: 40, inLossPct: 0, outLossPct: 0, jitterMs: 2, fps: 30, width: 1280, height: 720,
    freezeMs: 0, concealedPct: 0, outLimited: false, relayed: false };
  const weak: QualitySample = { ...good, inLossPct: 8, height: 360, fps: 10, freezeMs: 2500 };

  it('averages, keeps the worst, counts weak seconds and marks a session with issues after a minute of them', () => {
    let s = addToSummary(EMPTY_SUMMARY, good, 3, 0);
    s = addToSummary(s, weak, 3, 1);
    expect(s.samples).toBe(2);
    expect(s.lossPctMax).toBe(8);
    expect(s.lossPctAvg).toBe(4);
    expect(s.fpsAvg).toBe(20);
    expect(s.minHeight).toBe(360);
    expect(s.freezeMsMax).toBe(2500);
    expect(s.weakSeconds).toBe(3);
    expect(s.videoLevelMax).toBe(1);
    expect(hadQualityIssues(s)).toBe(false);
    for (let i = 0; i < 20; i++) s = addToSummary(s, weak, 3, 1);
    expect(hadQualityIssues(s)).toBe(true);
  });
});

describe('candidates inside a description', () => {
  it('match the candidate onicecandidate gives for them (whose string also carries ufrag)', () => {
    const sdp = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'
      + 'a=candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host generation 0 network-cost 999\r\na=mid:0\r\n';
    const inside = candidateLines(sdp);
    expect(inside.has(candidateKey('candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host generation 0 ufrag Ab12 network-cost 999'))).toBe(true);
    // Another port is another candidate: it must still trickle.
    expect(inside.has(candidateKey('candidate:1 1 udp 2122260223 10.0.0.2 5001 typ host generation 0 ufrag Ab12'))).toBe(false);
  });
});
