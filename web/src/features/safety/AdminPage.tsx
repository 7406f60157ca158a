import { useEffect, useId, useState, type FormEvent } from 'react';
import { PageHeader, EmptyState } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { useAuth } from '../../lib/authContext';
import { callableErrorMessage } from '../../lib/callableErrors';
import { REPORT_REASONS, type Report } from '../../types/models';
import { closeReport, liftSuspension, suspendMember, watchOpenReports } from './safetyData';

const REASON_LABEL = new Map(REPORT_REASONS.map((r) => [r.value, r.label]));
const DAY_MS = 24 * 3600 * 1000;

/** Whether the signed-in user's token carries the `admin` claim (scripts/admin_claim.py grants it). */
function useIsStaff(): boolean | null {
  const { user } = useAuth();
  const [staff, setStaff] = useState<boolean | null>(null);
  useEffect(() => {
    if (!user) return;
    let live = true;
    // Forced refresh: a claim granted after sign-in shows without signing out.
    user
      .getIdTokenResult(true)
      .then((t) => live && setStaff(t.claims.admin === true))
      .catch(() => live && setStaff(false));
    return () => {
      live = false;
    };
  }, [user]);
  return staff;
}

/** Staff only: open reports, and suspending a member from matching and invitations. */
export function AdminPage() {
  const staff = useIsStaff();
  const [reports, setReports] = useState<Report[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!staff) return undefined;
    return watchOpenReports(setReports, () => setError('The reports could not be loaded.'));
  }, [staff]);

  if (staff === null) return <Spinner />;
  if (!staff)
    return (
      <>
        <PageHeader title="Staff" />
        <EmptyState title="This page is for staff only.">Ask an administrator if you think you should have access.</EmptyState>
      </>
    );
  return (
    <>
      <PageHeader title="Staff: open reports" lead="Look at each report, then dismiss it or suspend the member." />
      {error && <p className="field-error">{error}</p>}
      {reports === null ? (
        <Spinner />
      ) : reports.length === 0 ? (
        <EmptyState title="No open reports." />
      ) : (
        <ul role="list" className="admin-reports" data-testid="admin-reports">
          {reports.map((r) => (
            <ReportRow key={r.id} report={r} />
          ))}
        </ul>
      )}
      <LiftForm />
    </>
  );
}

function ReportRow({ report }: { report: Report }) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [days, setDays] = useState(7);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(callableErrorMessage(err));
      setBusy(false);
    }
  }

  function suspend(e: FormEvent) {
    e.preventDefault();
    void run(() => suspendMember(report.subjectUid, reason, Date.now() + days * DAY_MS, report.id));
  }

  return (
    <li className="card admin-report" data-testid="admin-report" data-subject={report.subjectUid}>
      <p>
        <strong>{REASON_LABEL.get(report.reason) ?? report.reason}</strong> — member <code>{report.subjectUid}</code>
        {report.sessionId && (
          <>
            {' '}in session <code>{report.sessionId}</code>
          </>
        )}
        , reported by <code>{report.reporterUid}</code>
        {report.createdAt && <> on {report.createdAt.toDate().toLocaleString()}</>}
      </p>
      {report.details && <blockquote className="admin-details">{report.details}</blockquote>}
      <form className="admin-suspend" onSubmit={suspend}>
        <div className="field">
          <label htmlFor={`${id}-reason`}>Reason the member will read</label>
          <input id={`${id}-reason`} value={reason} maxLength={500} required onChange={(e) => setReason(e.target.value)} data-testid="suspend-reason" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-days`}>Days</label>
          <input id={`${id}-days`} type="number" min={1} max={365} value={days} onChange={(e) => setDays(Number(e.target.value) || 1)} data-testid="suspend-days" />
        </div>
        <div className="button-row">
          <button type="submit" className="button button-danger-soft button-sm" disabled={busy || !reason.trim()} data-testid="suspend-submit">
            Suspend from matching and invitations
          </button>
          <button type="button" className="button button-ghost button-sm" disabled={busy} onClick={() => void run(() => closeReport(report.id, 'dismissed'))} data-testid="dismiss-report">
            Dismiss
          </button>
        </div>
      </form>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function LiftForm() {
  const id = useId();
  const [uid, setUid] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  async function lift(e: FormEvent) {
    e.preventDefault();
    try {
      await liftSuspension(uid.trim());
      setStatus('Suspension lifted.');
    } catch (err) {
      setStatus(callableErrorMessage(err));
    }
  }
  return (
    <form className="card admin-lift" onSubmit={(e) => void lift(e)}>
      <div className="field">
        <label htmlFor={`${id}-uid`}>Lift a suspension early (member id)</label>
        <input id={`${id}-uid`} value={uid} onChange={(e) => setUid(e.target.value)} />
      </div>
      <button type="submit" className="button button-ghost button-sm" disabled={!uid.trim()}>
        Lift suspension
      </button>
      {status && <p role="status">{status}</p>}
    </form>
  );
}
