import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { GoogleAuthProvider, signInWithCredential } from 'firebase/auth';
import { auth } from '../../lib/firebase';
import { authErrorMessage } from './authErrors';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Local stand-in for Google's account chooser, used only against the Auth emulator.
 *
 * The emulator's own chooser is opened through Google's gapi script, which cannot load on a machine
 * without internet. The Auth emulator accepts an unsigned Google ID token instead, so this dialog
 * collects the account the person wants to be and signs in with the google.com provider for real
 * (a Google-linked account in the emulator), exactly as signInWithPopup would.
 */
export function EmulatorGoogleDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const ids = useId();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const cleanEmail = email.trim().toLowerCase();
    if (!EMAIL_PATTERN.test(cleanEmail)) {
      setError('Enter the email address of the Google account to use.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // No name given: the account has none, and the server picks a friendly one. Never the e-mail's
      // local part, which every member would then read on the profile.
      const token = JSON.stringify({
        sub: `emulated-${cleanEmail}`,
        email: cleanEmail,
        email_verified: true,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      await signInWithCredential(auth, GoogleAuthProvider.credential(token));
      onClose();
    } catch (err) {
      setError(authErrorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={`${ids}-title`} onClose={onClose} data-testid="google-dialog">
      <form className="form" onSubmit={submit} method="dialog" noValidate>
        <h2 id={`${ids}-title`}>Choose a Google account</h2>
        <p className="muted">
          Local demo: the Auth emulator stands in for Google. Enter any account to sign in with it.
        </p>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${ids}-email`}>Google email</label>
          <input id={`${ids}-email`} type="email" autoComplete="email" value={email} autoFocus
            onChange={(e) => setEmail(e.target.value)} data-testid="google-email" />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-name`}>Name</label>
          <input id={`${ids}-name`} type="text" autoComplete="name" value={name} maxLength={60}
            onChange={(e) => setName(e.target.value)} data-testid="google-name" />
        </div>
        <div className="dialog-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" disabled={busy} data-testid="google-continue">
            {busy && <span className="spinner spinner-sm" aria-hidden="true" />}
            Continue
          </button>
        </div>
      </form>
    </dialog>
  );
}
