import {
  getDocsFromServer,
  getDocs,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  where,
  type Unsubscribe,
} from 'firebase/firestore';
import type { CallState, Presence, SignalMessage } from '../../types/models';
import {
  deleteSignals,
  presenceCollection,
  presenceRef,
  recordFailedAttempt,
  signalRef,
  signalingCollection,
  writeQualitySummary,
} from './roomData';
import type { QualityView } from './callQuality';
import { QualityMonitor } from './qualityMonitor';
import { candidateKey, candidateLines } from './sdp';
import { markStep } from './timeline';

/**
 * One participant's side of the call: an RTCPeerConnection negotiated with the "perfect negotiation"
 * pattern over Firestore documents, plus presence, reconnection and screen sharing.
 *
 * - Polite and impolite peers by uid order: either person may join first, both may join at once, and
 *   renegotiation (screen share, ICE restart) works without glare.
 * - Every page load has a fresh `peerId`. A partner whose presence shows a new peerId has reloaded or
 *   come back: our connection is rebuilt, so the call re-establishes without anyone doing anything.
 * - On `disconnected` or `failed` the ICE agent is restarted with exponential backoff.
 * - Messages addressed to us are deleted once handled; our own leftovers from earlier page loads are
 *   deleted on start, so signaling documents do not pile up.
 */

export type EngineState = CallState | 'waiting';

/** Why an attempt did not connect within STALL_MS (recorded in callAttempts/{uid}; the room offers a next step). */
export type StallReason = 'no-candidates' | 'relay-unreachable' | 'checks-failed' | 'partner-left' | 'media-refused';

export interface EngineSnapshot {
  state: EngineState;
  /** The partner's presence, or null before they have opened the room. */
  partner: Presence | null;
  audioEnabled: boolean;
  videoEnabled: boolean;
  screenSharing: boolean;
  localStream: MediaStream;
  remoteStream: MediaStream;
  /** Open while the data channel to the partner is. */
  channelOpen: boolean;
  restarts: number;
  error: string | null;
  /** Signal bars and weak-connection state, from getStats every few seconds (null until measured). */
  quality: QualityView | null;
  /** The current attempt has not connected within STALL_MS, and why (null otherwise). */
  stall: StallReason | null;
  relayOnly: boolean;
}

export interface EngineOptions {
  sessionId: string;
  uid: string;
  partnerUid: string;
  iceServers: RTCIceServer[];
  relayOnly: boolean;
  /** Tracks chosen in the pre-join check; may hold no tracks at all (text-only). */
  localStream: MediaStream;
  audioEnabled: boolean;
  videoEnabled: boolean;
  /** Device the camera is re-acquired from when it is switched back on. */
  videoDeviceId?: string;
  /** The browser refused the camera and microphone in the pre-join check. */
  mediaRefused?: boolean;
}

type Listener = (s: EngineSnapshot) => void;
type DataListener = (data: unknown) => void;

const BACKOFF_MS = [1000, 2000, 4000, 8000, 16000];
/**
 * How long a description waits for candidate gathering before it goes without the rest (they trickle):
 * at most GATHER_WAIT_MS, and GATHER_GRACE_MS after the first candidate (on a quiet machine all of them,
 * relay included, arrive within ~100 ms; the host candidate alone is enough to start the checks).
 */
const GATHER_WAIT_MS = 250;
const GATHER_GRACE_MS = 50;
/** An attempt that has not connected this long after both are present counts as failed. */
const STALL_MS = 15_000;
const DISCONNECT_GRACE_MS = 2000;
/**
 * Our leftovers from earlier page loads are deleted CLEANUP_CONNECTED_MS after the call connected (its
 * first frames come first), or CLEANUP_LATE_MS after start (and messages handled meanwhile) if it has not.
 */
const CLEANUP_CONNECTED_MS = 2000;
/**
 * Video starts small: at most START_HEIGHT lines until START_SMALL_MS after connected. The bandwidth
 * estimate starts at ~300 kbps, and WebRTC drops the first frames of a larger picture until it has scaled
 * down by itself (measured: the partner's first frame ~250 ms after connected instead of ~60 ms); a small
 * key frame is also quicker to encode, send and decode. Full size follows once the estimate has grown.
 */
const START_HEIGHT = 180;
const START_SMALL_MS = 1500;
const CLEANUP_LATE_MS = 5000;

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Resolves when the connection has gathered its candidates, or `graceMs` after its first candidate (those
 * still to come, usually the relay's, trickle), or after `maxMs` at most.
 */
function gathered(pc: RTCPeerConnection, graceMs: number, maxMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    let grace: ReturnType<typeof setTimeout> | null = null;
    const done = () => {
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      pc.removeEventListener('icegatheringstatechange', check);
      pc.removeEventListener('icecandidate', first);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const first = (e: RTCPeerConnectionIceEvent) => {
      if (e.candidate && !grace) grace = setTimeout(done, graceMs);
    };
    const timer = setTimeout(done, maxMs);
    pc.addEventListener('icegatheringstatechange', check);
    pc.addEventListener('icecandidate', first);
    // Candidates found before we started waiting are in the local description already.
    if (pc.localDescription && candidateLines(pc.localDescription.sdp).size > 0) grace = setTimeout(done, graceMs);
  });
}

/** How much to scale `track` down so that it starts at START_HEIGHT lines (1: already small, or none). */
function startScale(track: MediaStreamTrack | null): number {
  const height = track?.getSettings().height ?? 0;
  return height > START_HEIGHT ? height / START_HEIGHT : 1;
}

async function setScale(sender: RTCRtpSender, scale: number): Promise<void> {
  const params = sender.getParameters();
  const enc = params.encodings[0];
  if (!enc || enc.scaleResolutionDownBy === scale) return;
  enc.scaleResolutionDownBy = scale;
  await sender.setParameters(params).catch(() => undefined);
}

export class CallEngine {
  /** New on every page load, and on a retry (so the partner starts over with us too). */
  peerId = randomId();
  /** Wall-clock ms when this side entered the call, and when it first connected (benchmarks, diagnostics). */
  startedAt = 0;
  connectedAt = 0;
  private readonly polite: boolean;
  private pc: RTCPeerConnection | null = null;
  private channel: RTCDataChannel | null = null;
  private makingOffer = false;
  private ignoreOffer = false;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  /** This negotiation's own description: sent yet? which candidates went inside it? which wait for it? */
  private descriptionSent = false;
  private inDescription = new Set<string>();
  private earlyCandidates: RTCIceCandidateInit[] = [];
  private partnerPeer: string | null = null;
  /** Messages from a partner page we have not seen in presence yet (it may be on its way). */
  private heldMessages = new Map<string, { id: string; msg: SignalMessage }[]>();
  private unsubs: Unsubscribe[] = [];
  private listeners = new Set<Listener>();
  private dataListeners = new Set<DataListener>();
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private restartAttempt = 0;
  private closed = false;
  private cameraTrack: MediaStreamTrack | null;
  private screenTrack: MediaStreamTrack | null = null;
  private presenceReady = false;
  private snap: EngineSnapshot;

  constructor(private readonly opts: EngineOptions) {
    this.polite = opts.uid > opts.partnerUid;
    this.cameraTrack = opts.localStream.getVideoTracks()[0] ?? null;
    for (const t of opts.localStream.getAudioTracks()) t.enabled = opts.audioEnabled;
    if (!opts.videoEnabled && this.cameraTrack) {
      // Camera off means off: release the device rather than send black frames.
      this.cameraTrack.stop();
      opts.localStream.removeTrack(this.cameraTrack);
      this.cameraTrack = null;
    }
    this.snap = {
      state: 'waiting',
      partner: null,
      audioEnabled: opts.audioEnabled && opts.localStream.getAudioTracks().length > 0,
      videoEnabled: !!this.cameraTrack,
      screenSharing: false,
      localStream: opts.localStream,
      remoteStream: new MediaStream(),
      channelOpen: false,
      restarts: 0,
      error: null,
      quality: null,
      stall: null,
      relayOnly: opts.relayOnly,
    };
    this.monitor = new QualityMonitor({
      getStats: () => (this.pc ? this.pc.getStats() : Promise.resolve(null)),
      videoSender: () => this.videoSender(),
      writeSummary: (summary) => writeQualitySummary(opts.sessionId, opts.uid, summary),
      onView: (quality) => !this.closed && this.update({ quality }),
    });
  }

  private readonly monitor: QualityMonitor;

  // ---- public API ----------------------------------------------------------------------------------

  get snapshot(): EngineSnapshot {
    return this.snap;
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    fn(this.snap);
    return () => this.listeners.delete(fn);
  }

  onData(fn: DataListener): () => void {
    this.dataListeners.add(fn);
    return () => this.dataListeners.delete(fn);
  }

  send(data: unknown): boolean {
    if (this.channel?.readyState !== 'open') return false;
    this.channel.send(JSON.stringify(data));
    return true;
  }

  async start(): Promise<void> {
    this.startedAt = Date.now();
    markStep('engineStarted');
    // Nothing here waits for anything else: listen, start the connection (the offer is made while the
    // partner may still be on the way, and waits for them in Firestore), write presence and clear our
    // old messages all at once. The presence write is issued before the offer's (this client's writes
    // reach the server in order), so the partner still learns our peerId before our first message.
    this.listenToPresence();
    this.listenToSignals();
    const presence = this.writePresence('connecting').then(() => markStep('presenceWritten'));
    this.buildConnection();
    // Our leftovers from earlier page loads are cleared once the call is up (the partner ignores them
    // meanwhile), or after CLEANUP_LATE_MS: until then the server serves the set-up's own reads and writes.
    this.scheduleCleanUp(CLEANUP_LATE_MS);
    await presence;
  }

  /**
   * Out of the call. `endSession`: this is Leave, which ends the session for both; presence says so
   * (leftSession), so the partner is told at once rather than waiting for the session to change.
   */
  async leave(endSession = false): Promise<void> {
    if (this.closed) return;
    this.shutDown();
    await this.writePresence('left', endSession).catch(() => undefined);
  }

  /**
   * Another tab of this member took the call over: stop here without a word to the partner (the new
   * tab's presence, with its own peerId, tells them to reconnect to it).
   */
  handOver(): void {
    if (!this.closed) this.shutDown();
  }

  private shutDown(): void {
    this.closed = true;
    this.clearAttempt();
    void this.monitor.stop();
    this.clearRestart();
    this.unsubs.forEach((u) => u());
    this.unsubs = [];
    this.cleanUp();
    this.pc?.close();
    this.pc = null;
    this.stopLocalTracks();
    this.update({ state: 'left', channelOpen: false });
  }

  setAudioEnabled(on: boolean): void {
    const tracks = this.opts.localStream.getAudioTracks();
    if (tracks.length === 0) return;
    tracks.forEach((t) => (t.enabled = on));
    this.update({ audioEnabled: on });
    void this.writePresence();
  }

  async setVideoEnabled(on: boolean): Promise<void> {
    if (on === this.snap.videoEnabled) return;
    if (on) {
      const media = await navigator.mediaDevices.getUserMedia({
        video: this.opts.videoDeviceId ? { deviceId: { exact: this.opts.videoDeviceId } } : true,
      });
      const track = media.getVideoTracks()[0];
      if (!track) return;
      this.cameraTrack = track;
      this.opts.localStream.addTrack(track);
      if (!this.screenTrack) await this.videoSender()?.replaceTrack(track);
    } else if (this.cameraTrack) {
      const track = this.cameraTrack;
      this.cameraTrack = null;
      if (!this.screenTrack) await this.videoSender()?.replaceTrack(null);
      track.stop();
      this.opts.localStream.removeTrack(track);
    }
    this.update({ videoEnabled: on, localStream: this.opts.localStream });
    void this.writePresence();
  }

  async startScreenShare(): Promise<void> {
    if (this.screenTrack) return;
    const media = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = media.getVideoTracks()[0];
    if (!track) return;
    this.screenTrack = track;
    // The browser's own "Stop sharing" button ends the track: go back to the camera then.
    track.addEventListener('ended', () => void this.stopScreenShare());
    await this.videoSender()?.replaceTrack(track);
    this.update({ screenSharing: true });
    void this.writePresence();
  }

  async stopScreenShare(): Promise<void> {
    const track = this.screenTrack;
    if (!track) return;
    this.screenTrack = null;
    track.stop();
    await this.videoSender()?.replaceTrack(this.cameraTrack);
    this.update({ screenSharing: false });
    void this.writePresence();
  }

  /** The track currently sent as video (camera, screen, or none): for tests and diagnostics. */
  outgoingVideoTrack(): MediaStreamTrack | null {
    return this.videoSender()?.track ?? null;
  }

  get screenShareTrack(): MediaStreamTrack | null {
    return this.screenTrack;
  }

  // ---- connection --------------------------------------------------------------------------------------

  private buildConnection(): void {
    if (this.closed) return;
    const pc = new RTCPeerConnection({
      iceServers: this.opts.iceServers,
      iceTransportPolicy: this.snap.relayOnly ? 'relay' : 'all',
      // One transport for audio, video and data from the first offer: a third of the candidates to gather,
      // send and check, and one relay allocation instead of three (the default gathers per m-line).
      bundlePolicy: 'max-bundle',
    });
    this.pc = pc;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.pendingCandidates = [];
    this.localTypes = new Set();
    this.remoteCandidates = 0;
    this.descriptionSent = false;
    this.inDescription = new Set();
    this.earlyCandidates = [];
    const remote = new MediaStream();
    this.update({ remoteStream: remote, channelOpen: false });

    // The impolite peer owns the offer: it adds the audio and video transceivers (fixed order, so camera
    // off, screen share and a late camera are all replaceTrack, never a structural renegotiation) and the
    // data channel. The polite peer adopts the transceivers that the first offer creates; if it added its
    // own, both sides would end up with two of each.
    if (!this.polite) {
      this.addOwnTransceivers(pc);
      this.openChannel(pc);
    }

    pc.ontrack = (e) => {
      if (this.pc !== pc) return;
      remote.addTrack(e.track);
      this.update({ remoteStream: remote });
    };
    pc.onicecandidate = (e) => {
      if (this.pc !== pc || !e.candidate) return;
      const c = e.candidate.toJSON();
      markStep('firstLocalCandidate');
      if (e.candidate.type) this.localTypes.add(e.candidate.type);
      // Before our description is sent a candidate waits to travel inside it; after, it trickles.
      if (!this.descriptionSent) this.earlyCandidates.push(c);
      else if (!this.inDescription.has(candidateKey(c.candidate ?? ''))) this.sendCandidate(c);
    };
    pc.onnegotiationneeded = async () => {
      if (this.pc !== pc) return;
      try {
        this.makingOffer = true;
        this.descriptionSent = false;
        await pc.setLocalDescription();
        markStep('offerCreated');
        this.makingOffer = false;
        await this.sendDescription(pc);
      } catch (err) {
        this.update({ error: `Could not start the call: ${String(err)}` });
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onconnectionstatechange = () => this.pc === pc && this.onConnectionState(pc);
    // ICE found a working candidate pair; DTLS still has to finish before the call is connected.
    pc.oniceconnectionstatechange = () => {
      if (this.pc === pc && (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed')) markStep('candidatePair');
    };
  }

  /**
   * Sends our description once the candidates are gathered, or after GATHER_WAIT_MS at most: those
   * gathered by then travel inside it (one message and one Firestore round trip, rather than one per
   * candidate, each costing the partner a read and the server a trigger); any found later trickle.
   */
  private async sendDescription(pc: RTCPeerConnection): Promise<void> {
    await gathered(pc, GATHER_GRACE_MS, GATHER_WAIT_MS);
    const local = pc.localDescription;
    if (this.pc !== pc || !local || this.closed) return;
    this.inDescription = candidateLines(local.sdp);
    this.descriptionSent = true;
    const early = this.earlyCandidates;
    this.earlyCandidates = [];
    // Marked when the write is issued (not when the server acknowledges it): sent -> received is the hop.
    markStep(local.type === 'offer' ? 'offerSent' : 'answerSent');
    const sent = this.sendSignal({ type: local.type as 'offer' | 'answer', sdp: local.sdp });
    for (const c of early) if (!this.inDescription.has(candidateKey(c.candidate ?? ''))) this.sendCandidate(c);
    await sent;
  }

  private sendCandidate(c: RTCIceCandidateInit): void {
    markStep('firstCandidateSent');
    void this.sendSignal({
      type: 'candidate',
      candidate: {
        candidate: c.candidate ?? '',
        sdpMid: c.sdpMid ?? null,
        sdpMLineIndex: c.sdpMLineIndex ?? null,
        usernameFragment: c.usernameFragment ?? null,
      },
    });
  }

  private addOwnTransceivers(pc: RTCPeerConnection): void {
    const stream = this.opts.localStream;
    const audio = stream.getAudioTracks()[0];
    pc.addTransceiver(audio ?? 'audio', { direction: 'sendrecv', streams: [stream] });
    const video = this.screenTrack ?? this.cameraTrack;
    pc.addTransceiver(video ?? 'video', {
      direction: 'sendrecv',
      streams: [stream],
      sendEncodings: [{ scaleResolutionDownBy: startScale(video) }],
    });
  }

  /** Polite side, after a remote offer: send our tracks on the transceivers the offer created. */
  private async adoptTransceivers(pc: RTCPeerConnection): Promise<void> {
    const stream = this.opts.localStream;
    for (const t of pc.getTransceivers()) {
      if (t.currentDirection === 'stopped' || t.direction === 'sendrecv') continue;
      const kind = t.receiver.track.kind;
      t.direction = 'sendrecv';
      t.sender.setStreams(stream);
      const track = kind === 'audio' ? stream.getAudioTracks()[0] : (this.screenTrack ?? this.cameraTrack);
      if (track) await t.sender.replaceTrack(track);
      if (kind === 'video') await setScale(t.sender, startScale(track ?? null));
    }
    if (this.channelPc !== pc) this.openChannel(pc);
  }

  private channelPc: RTCPeerConnection | null = null;

  private openChannel(pc: RTCPeerConnection): void {
    // A negotiated channel needs no extra offer/answer round: both sides open id 0 themselves.
    const channel = pc.createDataChannel('salamin', { negotiated: true, id: 0 });
    this.channel = channel;
    this.channelPc = pc;
    channel.onopen = () => this.pc === pc && this.update({ channelOpen: true });
    channel.onclose = () => this.pc === pc && this.update({ channelOpen: false });
    channel.onmessage = (e: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      this.dataListeners.forEach((fn) => fn(data));
    };
  }

  private onConnectionState(pc: RTCPeerConnection): void {
    const s = pc.connectionState;
    if (s === 'connected') {
      if (!this.connectedAt) this.connectedAt = Date.now();
      markStep('connected');
      // Handled messages go now: a page of the partner's that reloads must not find them as current.
      this.deleteSpent();
      this.scheduleCleanUp(CLEANUP_CONNECTED_MS, true);
      this.growVideoLater(pc);
      this.monitor.start();
      this.clearAttempt();
      if (this.snap.stall) this.update({ stall: null });
      this.clearRestart();
      this.restartAttempt = 0;
      this.update({ state: 'connected', error: null });
      void this.writePresence('connected');
    } else if (s === 'disconnected') {
      this.update({ state: 'reconnecting' });
      void this.writePresence('reconnecting');
      // Often a blip that heals by itself; restart only if it does not.
      this.scheduleRestart(DISCONNECT_GRACE_MS);
    } else if (s === 'failed') {
      this.update({ state: this.restartAttempt >= BACKOFF_MS.length ? 'failed' : 'reconnecting' });
      void this.writePresence(this.snap.state === 'failed' ? 'failed' : 'reconnecting');
      this.scheduleRestart(BACKOFF_MS[Math.min(this.restartAttempt, BACKOFF_MS.length - 1)] ?? 16000);
    }
  }

  private scheduleRestart(delayMs: number): void {
    if (this.restartTimer || this.closed) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      const pc = this.pc;
      if (!pc || this.closed) return;
      if (pc.connectionState === 'connected') return;
      this.restartAttempt += 1;
      this.update({ restarts: this.snap.restarts + 1 });
      // restartIce() makes negotiationneeded fire with fresh ICE credentials.
      pc.restartIce();
      if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected') {
        this.scheduleRestart(BACKOFF_MS[Math.min(this.restartAttempt, BACKOFF_MS.length - 1)] ?? 16000);
      }
    }, delayMs);
  }

  private clearRestart(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  /**
   * The room's next step after a failed attempt: start over (as a new page, so the partner does too),
   * through the relay if asked.
   */
  retry(options: { relay?: boolean } = {}): void {
    if (this.closed) return;
    this.peerId = randomId();
    this.update({ stall: null, relayOnly: options.relay ?? this.snap.relayOnly });
    this.rebuild();
    this.watchAttempt();
  }

  private stallTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private localTypes = new Set<string>();
  private remoteCandidates = 0;

  /** An attempt runs from the partner being here (or a retry) until connected. */
  private watchAttempt(): void {
    if (this.stallTimer || this.closed) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      if (this.closed || this.pc?.connectionState === 'connected') return;
      const reason = this.stallReason();
      this.failures += 1;
      this.update({ stall: reason });
      void recordFailedAttempt(this.opts.sessionId, this.opts.uid, reason, this.failures).catch(() => undefined);
    }, STALL_MS);
  }

  private clearAttempt(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }

  private stallReason(): StallReason {
    const partner = this.snap.partner;
    if (!partner || partner.state === 'left') return 'partner-left';
    if (this.snap.relayOnly && !this.localTypes.has('relay')) return 'relay-unreachable';
    if (this.localTypes.size === 0 || this.remoteCandidates === 0) return 'no-candidates';
    if (this.opts.mediaRefused) return 'media-refused';
    return 'checks-failed';
  }

  /** The partner reloaded or came back: start over with a fresh connection. */
  private rebuild(): void {
    this.clearRestart();
    this.restartAttempt = 0;
    const old = this.pc;
    this.pc = null;
    old?.close();
    this.monitor.reset();
    this.update({ state: 'connecting' });
    void this.writePresence('connecting');
    this.buildConnection();
  }

  /** Full-size video START_SMALL_MS after connected, unless the quality ladder has set its own size. */
  private growVideoLater(pc: RTCPeerConnection): void {
    setTimeout(() => {
      const sender = this.videoSender();
      if (this.pc !== pc || this.closed || !sender || (this.snap.quality?.videoLevel ?? 0) > 0) return;
      void setScale(sender, 1);
    }, START_SMALL_MS);
  }

  private videoSender(): RTCRtpSender | null {
    const t = this.pc?.getTransceivers().find((x) => x.receiver.track.kind === 'video');
    return t ? t.sender : null;
  }

  private stopLocalTracks(): void {
    this.opts.localStream.getTracks().forEach((t) => t.stop());
    this.screenTrack?.stop();
    this.screenTrack = null;
  }

  // ---- signaling ---------------------------------------------------------------------------------------

  private signalsRef() {
    return signalingCollection(this.opts.sessionId);
  }

  private async sendSignal(body: Pick<SignalMessage, 'type' | 'sdp' | 'candidate'>): Promise<void> {
    if (this.closed) return;
    const ref = signalRef(this.opts.sessionId);
    const data: Record<string, unknown> = {
      from: this.opts.uid,
      to: this.opts.partnerUid,
      fromPeer: this.peerId,
      type: body.type,
      createdAt: serverTimestamp(),
    };
    if (body.sdp !== undefined) data.sdp = body.sdp;
    if (body.candidate !== undefined) data.candidate = body.candidate;
    await setDoc(ref, data);
  }

  private listenToSignals(): void {
    const q = query(this.signalsRef(), where('to', '==', this.opts.uid), orderBy('createdAt'));
    // Handled one at a time, in order: a candidate must never overtake its description.
    let chain = Promise.resolve();
    this.unsubs.push(
      onSnapshot(
        q,
        (snapshot) => {
          for (const change of snapshot.docChanges()) {
            if (change.type !== 'added' || change.doc.metadata.hasPendingWrites) continue;
            const msg = change.doc.data();
            const id = change.doc.id;
            // Not a message this client can read (the rules check every field; an old format): skip it.
            if (!msg) continue;
            markStep(msg.type === 'offer' ? 'offerReceived' : msg.type === 'answer' ? 'answerReceived' : 'firstCandidateReceived');
            chain = chain.then(() => this.route(id, msg)).catch(() => undefined);
          }
        },
        (err) => this.listenerFailed('the signaling channel', err),
      ),
    );
  }

  private async route(id: string, msg: SignalMessage): Promise<void> {
    if (this.closed) return;
    if (!this.presenceReady || msg.fromPeer !== this.partnerPeer) {
      // From a partner page not (yet) in presence: hold it; presence decides whether it is current.
      const held = this.heldMessages.get(msg.fromPeer) ?? [];
      held.push({ id, msg });
      this.heldMessages.set(msg.fromPeer, held);
      this.refreshPartnerPresence();
      return;
    }
    await this.handle(msg);
    this.forget(id);
  }

  private async handle(msg: SignalMessage): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    if (msg.type === 'candidate') {
      const c = msg.candidate;
      if (!c) return;
      this.remoteCandidates += 1;
      const init: RTCIceCandidateInit = {
        candidate: c.candidate,
        sdpMid: c.sdpMid,
        sdpMLineIndex: c.sdpMLineIndex,
        usernameFragment: c.usernameFragment ?? null,
      };
      if (!pc.remoteDescription) {
        this.pendingCandidates.push(init);
        return;
      }
      try {
        await pc.addIceCandidate(init);
      } catch (err) {
        if (!this.ignoreOffer) this.update({ error: `A network route was refused: ${String(err)}` });
      }
      return;
    }
    if (!msg.sdp) return;
    const description: RTCSessionDescriptionInit = { type: msg.type, sdp: msg.sdp };
    this.remoteCandidates += candidateLines(msg.sdp).size;
    const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    if (description.type === 'answer' && pc.signalingState !== 'have-local-offer') return; // stale answer
    await pc.setRemoteDescription(description); // the polite side rolls back implicitly on a collision
    if (description.type === 'offer') {
      if (this.polite) await this.adoptTransceivers(pc);
      this.descriptionSent = false;
      await pc.setLocalDescription();
      markStep('answerCreated');
      // Not awaited: the candidates queued behind the offer are added while the answer gathers and travels.
      void this.sendDescription(pc).catch(() => undefined);
    }
    const queued = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const c of queued) await pc.addIceCandidate(c).catch(() => undefined);
  }

  /**
   * A handled (or dropped) message, to delete: at once while connected, else in one batch when the call
   * connects (or CLEANUP_LATE_MS later): during the set-up every write waits its turn on a busy server
   * behind the others, and these deletions are on nobody's path.
   */
  private forget(id: string): void {
    this.spent.add(id);
    if (this.closed || this.pc?.connectionState === 'connected') this.deleteSpent();
    else this.scheduleCleanUp(CLEANUP_LATE_MS);
  }

  private deleteSpent(): void {
    const ids = [...this.spent];
    this.spent.clear();
    if (ids.length) void deleteSignals(this.opts.sessionId, ids).catch(() => undefined);
  }

  /** Clean up in `ms` (unless already due; `reset`: move a pending one to `ms` from now). */
  private scheduleCleanUp(ms: number, reset = false): void {
    if (this.cleanupTimer && !reset) return;
    if (this.cleanupTimer) clearTimeout(this.cleanupTimer);
    this.cleanupTimer = setTimeout(() => this.cleanUp(), ms);
  }

  private spent = new Set<string>();
  private cleanupTimer: ReturnType<typeof setTimeout> | null = null;
  private oldCleared = false;

  /** Deletes the handled messages, and (once per page) our leftovers from earlier page loads. */
  private cleanUp(): void {
    if (this.cleanupTimer) clearTimeout(this.cleanupTimer);
    this.cleanupTimer = null;
    this.deleteSpent();
    // Closed (left, or another tab of ours took over: its messages are not ours to clear): no look-up.
    if (!this.oldCleared && !this.closed) {
      this.oldCleared = true;
      void this.cleanUpMyOldMessages();
    }
  }

  private async cleanUpMyOldMessages(): Promise<void> {
    // Leftovers from my earlier page loads would only confuse the partner.
    try {
      const mine = await getDocs(query(this.signalsRef(), where('from', '==', this.opts.uid)));
      // This page's own messages are among them (its offer or answer may not be handled yet): kept.
      const old = mine.docs.filter((d) => d.data()?.fromPeer !== this.peerId).map((d) => d.id);
      if (old.length) await deleteSignals(this.opts.sessionId, old);
    } catch {
      // Not fatal: the partner ignores messages from pages that are not current.
    }
  }

  // ---- presence ------------------------------------------------------------------------------------------

  private presenceRef(uid: string) {
    return presenceRef(this.opts.sessionId, uid);
  }

  private async writePresence(state?: CallState, leftSession = false): Promise<void> {
    const current: CallState = state ?? (this.snap.state === 'waiting' ? 'connecting' : this.snap.state);
    await setDoc(this.presenceRef(this.opts.uid), {
      uid: this.opts.uid,
      peerId: this.peerId,
      state: current,
      audioEnabled: this.snap.audioEnabled,
      videoEnabled: this.snap.videoEnabled,
      screenSharing: this.snap.screenSharing,
      updatedAt: serverTimestamp(),
      ...(leftSession && current === 'left' ? { leftSession: true } : {}),
    }).catch((err: unknown) => {
      if (!this.closed) this.update({ error: `Could not update your status: ${String(err)}` });
    });
  }

  private presenceCollection() {
    return presenceCollection(this.opts.sessionId);
  }

  /**
   * One listener on the session's two presence documents (a collection query rather than two document
   * listeners: on the emulator a document listener that raced the document's creation could stay blind
   * to it, while queries stay reliable).
   */
  private listenToPresence(): void {
    let seenMine = false;
    this.unsubs.push(
      onSnapshot(this.presenceCollection(), (snapshot) => {
        const byUid = new Map(snapshot.docs.map((d) => [d.id, d]));
        // A previous page of ours (reload) may land its late "left" after our first write: put ours back.
        const mine = byUid.get(this.opts.uid);
        if (mine && !mine.metadata.hasPendingWrites) {
          seenMine = true;
          if (mine.data()?.peerId !== this.peerId && !this.closed) void this.writePresence();
        } else if (!mine && seenMine && !this.closed) {
          void this.writePresence();
        }
        const partnerDoc = byUid.get(this.opts.partnerUid);
        const partner = partnerDoc?.data({ serverTimestamps: 'estimate' }) ?? null;
        // Presence is never deleted (the rules forbid it): a vanished partner document is not news.
        if (!partner && this.snap.partner) return;
        this.applyPartnerPresence(partner);
      }, (err) => this.listenerFailed('the call status', err)),
    );
  }

  /** Diagnostics: what the server says about the partner's presence right now. */
  async probePartnerPresence(): Promise<string> {
    try {
      const snap = await getDocsFromServer(this.presenceCollection());
      const doc = snap.docs.find((d) => d.id === this.opts.partnerUid);
      return doc ? `exists ${String(doc.get('peerId'))}` : 'missing';
    } catch (err) {
      return `error ${String(err)}`;
    }
  }

  private applyPartnerPresence(partner: Presence | null): void {
    const before = this.partnerPeer;
    this.presenceReady = true;
    if (partner && partner.state !== 'left') markStep('partnerSeen');
    this.update({ partner });
    if (!partner || partner.state === 'left') {
      this.partnerPeer = partner?.peerId ?? null;
      this.update({ state: this.closed ? 'left' : 'waiting' });
      return;
    }
    if (this.pc?.connectionState !== 'connected') this.watchAttempt();
    if (partner.peerId !== before) {
      this.partnerPeer = partner.peerId;
      // A different page than the one we were talking to: its messages only are current now.
      if (before !== null && this.pc && this.pc.connectionState !== 'new') this.rebuild();
      else if (this.snap.state === 'waiting') this.update({ state: 'connecting' });
      void this.releaseHeld();
    } else if (this.snap.state === 'waiting') {
      this.update({ state: this.pc?.connectionState === 'connected' ? 'connected' : 'connecting' });
    }
  }

  /**
   * Messages from a page we have no presence for yet: ask the server directly. A listener normally
   * brings the presence first, but one that raced the partner's first write can lag; this costs one read.
   */
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshPartnerPresence(attempt = 0): void {
    if (this.refreshTimer || this.closed || attempt > 30) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      getDocsFromServer(this.presenceCollection())
        .then((snap) => {
          if (this.closed) return;
          const found = snap.docs.find((d) => d.id === this.opts.partnerUid);
          const partner = found?.data({ serverTimestamps: 'estimate' }) ?? null;
          if (partner && partner.peerId !== this.partnerPeer) this.applyPartnerPresence(partner);
        })
        .catch(() => undefined)
        .finally(() => {
          // Still holding messages from a page we cannot place: look again shortly.
          if ([...this.heldMessages.keys()].some((peer) => peer !== this.partnerPeer)) this.refreshPartnerPresence(attempt + 1);
        });
    }, attempt === 0 ? 300 : 1000);
  }

  private async releaseHeld(): Promise<void> {
    const held = this.heldMessages;
    this.heldMessages = new Map();
    for (const [peer, items] of held) {
      for (const { id, msg } of items) {
        if (peer === this.partnerPeer) await this.handle(msg).catch(() => undefined);
        this.forget(id);
      }
    }
  }

  private listenerFailed(what: string, err: Error): void {
    console.error(`salamin: listening to ${what} failed`, err);
    if (!this.closed) this.update({ error: `Lost track of ${what}: ${err.message}. Reload the page to reconnect.` });
  }

  private update(patch: Partial<EngineSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    this.listeners.forEach((fn) => fn(this.snap));
  }
}
