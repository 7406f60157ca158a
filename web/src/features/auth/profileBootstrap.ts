import { FirebaseError } from 'firebase/app';
import { httpsCallable } from 'firebase/functions';
import { functions } from '../../lib/firebase';
import type { BootstrapProfileRequest, BootstrapProfileResponse } from '../../types/models';
import type { BootstrapState } from '../../lib/authContext';
import { browserTimeZone } from '../../lib/timeZone';

const IDLE: BootstrapState = { status: 'idle', profile: null, created: false, failures: 0 };

const callBootstrap = httpsCallable<BootstrapProfileRequest, BootstrapProfileResponse>(
  functions,
  'bootstrapProfile',
);

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/** Exponential backoff with ±20 % jitter, capped. */
function retryDelayMs(failures: number): number {
  const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

/**
 * Calls the `bootstrapProfile` callable once per signed-in user per page session,
 * retrying with backoff when it fails. Lives outside React so that StrictMode's
 * double effects or re-renders never cause a second call.
 */
class ProfileBootstrapper {
  private state: BootstrapState = IDLE;
  private uid: string | null = null;
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private displayNameHint: string | null = null;
  private sendDisplayName = true;
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): BootstrapState => this.state;

  /** A display name chosen at sign-up, sent along with the first call. */
  setDisplayNameHint(name: string | null): void {
    this.displayNameHint = name;
  }

  /** Starts bootstrapping for this user unless it already ran (or is running) for them. */
  ensure(uid: string, fallbackDisplayName: string | null): void {
    if (this.uid === uid) return;
    this.reset();
    this.uid = uid;
    this.sendDisplayName = true;
    const generation = this.generation;
    void this.attempt(generation, fallbackDisplayName);
  }

  /** Forgets the current user (on sign-out) and cancels pending retries. */
  reset(): void {
    this.generation += 1;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.uid = null;
    this.setState(IDLE);
  }

  private async attempt(generation: number, fallbackDisplayName: string | null): Promise<void> {
    if (generation !== this.generation) return;
    this.setState({ ...this.state, status: this.state.failures > 0 ? 'retrying' : 'loading' });

    const name = (this.displayNameHint ?? fallbackDisplayName ?? '').trim();
    // Both hints are used only if the profile is being created.
    const request: BootstrapProfileRequest = { timeZone: browserTimeZone() };
    if (this.sendDisplayName && name) request.displayName = name.slice(0, 60);

    try {
      const result = await callBootstrap(request);
      if (generation !== this.generation) return;
      this.displayNameHint = null;
      this.setState({ status: 'ready', profile: result.data.profile, created: result.data.created, failures: 0 });
    } catch (error) {
      if (generation !== this.generation) return;
      // If the server rejected our display name, retry without one.
      if (error instanceof FirebaseError && error.code === 'functions/invalid-argument') {
        this.sendDisplayName = false;
      }
      const failures = this.state.failures + 1;
      this.setState({ ...this.state, status: 'retrying', failures });
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.attempt(generation, fallbackDisplayName);
      }, retryDelayMs(failures));
    }
  }

  private setState(next: BootstrapState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

export const profileBootstrapper = new ProfileBootstrapper();
