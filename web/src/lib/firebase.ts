import { getApp, getApps, initializeApp, type FirebaseOptions } from 'firebase/app';
import { initializeAppCheck, ReCaptchaEnterpriseProvider } from 'firebase/app-check';
import { connectAuthEmulator, getAuth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions } from 'firebase/functions';

/** Demo project: works with the Firebase emulators without any real project. */
const DEMO_CONFIG = {
  apiKey: 'demo-api-key',
  authDomain: 'demo-salamin.firebaseapp.com',
  projectId: 'demo-salamin',
} as const;

const env = import.meta.env;

function pick(value: string | undefined, fallback: string): string {
  const trimmed = value?.trim();
  return trimmed ? trimmed : fallback;
}

const firebaseConfig: FirebaseOptions = {
  apiKey: pick(env.VITE_FIREBASE_API_KEY, DEMO_CONFIG.apiKey),
  authDomain: pick(env.VITE_FIREBASE_AUTH_DOMAIN, DEMO_CONFIG.authDomain),
  projectId: pick(env.VITE_FIREBASE_PROJECT_ID, DEMO_CONFIG.projectId),
  ...(env.VITE_FIREBASE_APP_ID?.trim() ? { appId: env.VITE_FIREBASE_APP_ID.trim() } : {}),
};

const FUNCTIONS_REGION = 'us-central1';

const EMULATOR_PORTS = { auth: 9099, firestore: 8080, functions: 5001 } as const;

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1']);
const pageHostname = typeof window === 'undefined' ? '' : window.location.hostname;
const servedLocally = LOCAL_HOSTNAMES.has(pageHostname);

/**
 * Use the emulators when served from localhost / 127.0.0.1, unless
 * VITE_USE_EMULATORS is 'false'; VITE_USE_EMULATORS === 'true' forces them on.
 */
export const usingEmulators =
  env.VITE_USE_EMULATORS === 'true' || (env.VITE_USE_EMULATORS !== 'false' && servedLocally);

const app = getApps().length > 0 ? getApp() : initializeApp(firebaseConfig);

// App Check (production): with a reCAPTCHA Enterprise site key, every Firestore and Functions request
// carries a token proving it comes from this web app, so enforcement in the project refuses scripts
// using only an API key. The emulators do not check tokens. To try it from localhost against a real
// project, set VITE_APPCHECK_DEBUG_TOKEN to a debug token registered in the console (README).
const appCheckKey = env.VITE_APPCHECK_SITE_KEY?.trim();
if (appCheckKey && !usingEmulators && typeof window !== 'undefined') {
  const debugToken = env.VITE_APPCHECK_DEBUG_TOKEN?.trim();
  if (debugToken) (globalThis as { FIREBASE_APPCHECK_DEBUG_TOKEN?: string }).FIREBASE_APPCHECK_DEBUG_TOKEN = debugToken;
  initializeAppCheck(app, { provider: new ReCaptchaEnterpriseProvider(appCheckKey), isTokenAutoRefreshEnabled: true });
}
export const auth = getAuth(app);
export const db = getFirestore(app);
export const functions = getFunctions(app, FUNCTIONS_REGION);

// Survives hot module reloads in dev, where this module can run more than once
// against the same (already connected) SDK instances.
const globalFlags = globalThis as typeof globalThis & { __salaminEmulatorsConnected?: boolean };

if (usingEmulators && !globalFlags.__salaminEmulatorsConnected) {
  globalFlags.__salaminEmulatorsConnected = true;
  // The Auth emulator also serves the sign-in popup, so it must be reached by the
  // same host name as the page ("localhost" and "127.0.0.1" are different origins).
  const authHost = servedLocally ? pageHostname : '127.0.0.1';
  connectAuthEmulator(auth, `http://${authHost}:${EMULATOR_PORTS.auth}`, { disableWarnings: true });
  // Firestore and Functions emulators listen on the IPv4 loopback.
  connectFirestoreEmulator(db, '127.0.0.1', EMULATOR_PORTS.firestore);
  connectFunctionsEmulator(functions, '127.0.0.1', EMULATOR_PORTS.functions);
}
