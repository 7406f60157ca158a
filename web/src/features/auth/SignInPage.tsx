import { useId, useState, type FormEvent } from 'react';
import { Navigate, useLocation, useSearchParams } from 'react-router-dom';
import {
  GoogleAuthProvider,
  createUserWithEmailAndPassword,
  signInWithEmailAndPassword,
  signInWithPopup,
  updateProfile,
} from 'firebase/auth';
import { Eye, EyeOff } from 'lucide-react';
import { auth, usingEmulators } from '../../lib/firebase';
import { EmulatorGoogleDialog } from './EmulatorGoogleDialog';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import { Spinner } from '../../components/Spinner';
import { Wordmark } from '../../components/Wordmark';
import { PROFILE_LIMITS } from '../../types/models';
import { useAuth } from '../../lib/authContext';
import { authErrorMessage } from './authErrors';
import { GoogleIcon } from './GoogleIcon';
import { redirectTarget } from './RequireAuth';

type Mode = 'signin' | 'signup';
type Busy = 'email' | 'google' | null;

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MIN_PASSWORD = 6;

function validate(mode: Mode, name: string, email: string, password: string): string | null {
  if (mode === 'signup') {
    const trimmed = name.trim();
    if (trimmed.length < PROFILE_LIMITS.displayNameMin) return 'Enter your name, so your practice partners know what to call you.';
    if (trimmed.length > PROFILE_LIMITS.displayNameMax)
      return `Your name must be ${PROFILE_LIMITS.displayNameMax} characters or fewer.`;
  }
  if (!email.trim()) return 'Enter your email address.';
  if (!EMAIL_PATTERN.test(email.trim())) return 'That doesn’t look like an email address. Check it and try again.';
  if (!password) return 'Enter your password.';
  if (mode === 'signup' && password.length < MIN_PASSWORD)
    return `Use a password of at least ${MIN_PASSWORD} characters.`;
  return null;
}

export function SignInPage() {
  const { user, loading, setSignUpDisplayName } = useAuth();
  const location = useLocation();
  const [searchParams] = useSearchParams();
  const [mode, setMode] = useState<Mode>(searchParams.get('mode') === 'signup' ? 'signup' : 'signin');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string | null>(null);
  const [googleDialog, setGoogleDialog] = useState(false);
  const ids = useId();
  const isSignUp = mode === 'signup';

  useDocumentTitle(isSignUp ? 'Create account' : 'Sign in');

  if (loading) return <Spinner fullPage />;
  if (user) return <Navigate to={redirectTarget(location.state)} replace />;

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const problem = validate(mode, name, email, password);
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    setBusy('email');
    try {
      if (isSignUp) {
        const displayName = name.trim();
        setSignUpDisplayName(displayName);
        const credential = await createUserWithEmailAndPassword(auth, email.trim(), password);
        // Best effort: the profile itself is created server-side with the same name.
        await updateProfile(credential.user, { displayName }).catch(() => undefined);
      } else {
        await signInWithEmailAndPassword(auth, email.trim(), password);
      }
      // The auth state listener re-renders this page and redirects.
    } catch (err) {
      if (isSignUp) setSignUpDisplayName(null);
      setError(authErrorMessage(err));
      setBusy(null);
    }
  }

  async function handleGoogle() {
    if (busy) return;
    setError(null);
    if (usingEmulators) {
      setGoogleDialog(true);
      return;
    }
    setBusy('google');
    try {
      const provider = new GoogleAuthProvider();
      provider.setCustomParameters({ prompt: 'select_account' });
      await signInWithPopup(auth, provider);
    } catch (err) {
      setError(authErrorMessage(err));
      setBusy(null);
    }
  }

  function toggleMode() {
    setMode(isSignUp ? 'signin' : 'signup');
    setError(null);
  }

  return (
    <div className="auth-page">
      <header className="auth-header">
        <Wordmark />
      </header>
      <main className="auth-main" id="main">
        <section className="card auth-card" aria-labelledby={`${ids}-title`}>
          <h1 id={`${ids}-title`} className="auth-title">
            {isSignUp ? 'Create your account' : 'Welcome back'}
          </h1>
          <p className="muted auth-subtitle">
            {isSignUp
              ? 'Free to join. Practise with a peer in minutes.'
              : 'Sign in to find a practice partner.'}
          </p>

          {error && (
            <div className="alert alert-error" role="alert" data-testid="auth-error">
              {error}
            </div>
          )}

          <form className="form" onSubmit={handleSubmit} noValidate aria-busy={busy === 'email'}>
            {isSignUp && (
              <div className="field">
                <label htmlFor={`${ids}-name`}>Your name</label>
                <input
                  id={`${ids}-name`}
                  name="name"
                  type="text"
                  autoComplete="name"
                  maxLength={PROFILE_LIMITS.displayNameMax}
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  data-testid="signup-name"
                  autoFocus
                />
              </div>
            )}
            <div className="field">
              <label htmlFor={`${ids}-email`}>Email</label>
              <input
                id={`${ids}-email`}
                name="email"
                type="email"
                inputMode="email"
                autoComplete="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                data-testid="signin-email"
                autoFocus={!isSignUp}
              />
            </div>
            <div className="field">
              <label htmlFor={`${ids}-password`}>Password</label>
              <div className="input-with-button">
                <input
                  id={`${ids}-password`}
                  name="password"
                  type={showPassword ? 'text' : 'password'}
                  autoComplete={isSignUp ? 'new-password' : 'current-password'}
                  aria-describedby={isSignUp ? `${ids}-password-hint` : undefined}
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  data-testid="signin-password"
                />
                <button
                  type="button"
                  className="icon-button"
                  onClick={() => setShowPassword((v) => !v)}
                  aria-label={showPassword ? 'Hide password' : 'Show password'}
                  aria-pressed={showPassword}
                >
                  {showPassword ? <EyeOff size={16} aria-hidden="true" /> : <Eye size={16} aria-hidden="true" />}
                </button>
              </div>
              {isSignUp && (
                <p className="hint" id={`${ids}-password-hint`}>
                  At least {MIN_PASSWORD} characters.
                </p>
              )}
            </div>
            <button type="submit" className="button button-primary button-block" disabled={busy !== null} data-testid="signin-submit">
              {busy === 'email' && <span className="spinner spinner-sm" aria-hidden="true" />}
              {busy === 'email'
                ? isSignUp
                  ? 'Creating account…'
                  : 'Signing in…'
                : isSignUp
                  ? 'Create account'
                  : 'Sign in'}
            </button>
          </form>

          <div className="divider" role="separator">
            <span>or</span>
          </div>

          <button
            type="button"
            className="button button-secondary button-block"
            onClick={handleGoogle}
            disabled={busy !== null}
            data-testid="signin-google"
          >
            {busy === 'google' ? <span className="spinner spinner-sm" aria-hidden="true" /> : <GoogleIcon />}
            {busy === 'google' ? 'Waiting for Google…' : 'Continue with Google'}
          </button>

          <EmulatorGoogleDialog open={googleDialog} onClose={() => setGoogleDialog(false)} />

          <p className="auth-switch">
            {isSignUp ? 'Already have an account?' : 'New to Salamin?'}{' '}
            <button type="button" className="link-button" onClick={toggleMode} data-testid="signup-toggle">
              {isSignUp ? 'Sign in' : 'Create an account'}
            </button>
          </p>
        </section>
      </main>
    </div>
  );
}
