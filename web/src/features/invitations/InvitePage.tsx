import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { PageHeader } from '../../components/PageHeader';
import { callableErrorMessage } from '../../lib/callableErrors';
import { INVITES_PER_DAY } from '../../types/models';
import { createInvitation } from './invitationsData';
import { InviteForm, type InviteChoice } from './InviteForm';

/** /invitations/new/:uid — "Invite to practise" from a member's card or page. */
export function InvitePage() {
  const { uid = '' } = useParams();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function send(choice: InviteChoice) {
    setBusy(true);
    setError(null);
    try {
      const id = await createInvitation({
        toUid: uid,
        sessionType: choice.sessionType,
        difficulty: choice.difficulty,
        firstRole: choice.firstRole,
        ...(choice.proposedAtMs !== null ? { proposedAtMs: choice.proposedAtMs } : {}),
      });
      void navigate(`/invitations/${encodeURIComponent(id)}`);
    } catch (err) {
      setError(callableErrorMessage(err));
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader
        title="Invite to practise"
        lead={`They get a notification and accept or decline. A “now” invitation waits 15 minutes; you can send ${INVITES_PER_DAY} a day.`}
      />
      {error && (
        <p className="alert alert-error" role="alert" data-testid="invite-error">
          {error}
        </p>
      )}
      <InviteForm submitLabel="Send invitation" busy={busy} onSubmit={(c) => void send(c)} />
    </>
  );
}
