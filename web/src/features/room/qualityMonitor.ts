import {
  EMPTY_SUMMARY,
  addToSummary,
  bars,
  nextLadder,
  readStats,
  sampleBetween,
  verdicts,
  type Ladder,
  type QualitySummary,
  type QualitySample,
  type QualityView,
  type StatsReading,
} from './callQuality';

declare global {
  interface Window {
    /** The last interval the monitor judged, for the browser tests (what kept a line weak). */
    __salaminQuality?: { sample: QualitySample; verdicts: ReturnType<typeof verdicts>; weak: QualityView['weak']; videoLevel: number };
  }
}

/** getStats every few seconds while connected. */
const SAMPLE_EVERY_MS = 3000;
/** The first summary once there is something to say; then at most one a minute (the rules hold it to that). */
const FIRST_WRITE_AFTER_SAMPLES = 3;
const WRITE_EVERY_MS = 60_000;
/** Weak intervals in a row before we say so, and good ones before we stop saying it. */
const SAY_WEAK_AFTER = 2;
const CLEAR_WEAK_AFTER = 2;

export interface MonitorDeps {
  getStats: () => Promise<RTCStatsReport | null>;
  videoSender: () => RTCRtpSender | null;
  writeSummary: (s: QualitySummary) => Promise<void>;
  onView: (v: QualityView) => void;
}

/**
 * Samples the call's statistics, shows the signal bars and weak-connection messages, steps the video
 * down when what we send suffers (lower resolution and frame rate, then paused so audio keeps going) and
 * back up when it recovers, and writes the session's quality summary for this participant.
 */
export class QualityMonitor {
  private timer: ReturnType<typeof setInterval> | null = null;
  private last: StatsReading | null = null;
  private ladder: Ladder = { level: 0, weakRun: 0, goodRun: 0 };
  private summary: QualitySummary = EMPTY_SUMMARY;
  private lastWrite = 0;
  private written = false;
  private sendWeak = 0;
  private receiveWeak = 0;
  private sendGood = 0;
  private receiveGood = 0;
  private shown: QualityView['weak'] = null;

  constructor(private readonly deps: MonitorDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), SAMPLE_EVERY_MS);
  }

  /** Stops sampling; writes the summary one last time if the rules would take it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.summary.samples > 0 && (!this.written || Date.now() - this.lastWrite >= WRITE_EVERY_MS)) await this.write();
  }

  /** A new connection (a rebuild): its counters start again from zero. */
  reset(): void {
    this.last = null;
  }

  /** One tick at a time: on a starved machine getStats can outlast the interval, and two ticks would interleave. */
  private ticking = false;

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.sampleOnce();
    } finally {
      this.ticking = false;
    }
  }

  private async sampleOnce(): Promise<void> {
    const report = await this.deps.getStats().catch(() => null);
    if (!report) return;
    const reading = readStats(report.entries(), Date.now());
    const prev = this.last;
    this.last = reading;
    if (!prev) return;
    const sample = sampleBetween(prev, reading);
    const v = verdicts(sample);
    this.sendWeak = v.send === 'weak' ? this.sendWeak + 1 : 0;
    this.sendGood = v.send === 'weak' ? 0 : this.sendGood + 1;
    this.receiveWeak = v.receive === 'weak' ? this.receiveWeak + 1 : 0;
    this.receiveGood = v.receive === 'weak' ? 0 : this.receiveGood + 1;
    const mine = this.sendWeak >= SAY_WEAK_AFTER || (this.shown !== null && this.shown !== 'partner' && this.sendGood < CLEAR_WEAK_AFTER);
    const theirs = this.receiveWeak >= SAY_WEAK_AFTER || (this.shown !== null && this.shown !== 'mine' && this.receiveGood < CLEAR_WEAK_AFTER);
    this.shown = mine && theirs ? 'both' : mine ? 'mine' : theirs ? 'partner' : null;

    const next = nextLadder(this.ladder, v.send === 'weak');
    if (next.level !== this.ladder.level) await this.applyVideoLevel(next.level);
    this.ladder = next;

    window.__salaminQuality = { sample, verdicts: v, weak: this.shown, videoLevel: next.level };
    this.summary = addToSummary(this.summary, sample, (reading.at - prev.at) / 1000, this.ladder.level);
    this.deps.onView({
      myBars: sample.outLimited ? Math.min(2, bars(sample.outLossPct, sample.rttMs)) : bars(sample.outLossPct, sample.rttMs),
      partnerBars: sample.freezeMs > 0 || (sample.fps !== null && sample.fps < 5 && sample.width !== null)
        ? Math.min(2, bars(sample.inLossPct, sample.rttMs)) : bars(sample.inLossPct, sample.rttMs),
      weak: this.shown,
      relayed: sample.relayed,
      videoLevel: this.ladder.level,
    });
    const due = this.written ? Date.now() - this.lastWrite >= WRITE_EVERY_MS : this.summary.samples >= FIRST_WRITE_AFTER_SAMPLES;
    if (due) await this.write();
  }

  private async write(): Promise<void> {
    this.lastWrite = Date.now();
    this.written = true;
    await this.deps.writeSummary(this.summary).catch(() => undefined);
  }

  /** 0 full video, 1 half resolution at 15 fps, 2 video paused (audio untouched). */
  private async applyVideoLevel(level: number): Promise<void> {
    const sender = this.deps.videoSender();
    if (!sender) return;
    const params = sender.getParameters();
    const enc = params.encodings[0];
    if (!enc) return;
    enc.active = level < 2;
    enc.scaleResolutionDownBy = level >= 1 ? 2 : 1;
    enc.maxFramerate = level >= 1 ? 15 : 30;
    await sender.setParameters(params).catch(() => undefined);
  }
}
