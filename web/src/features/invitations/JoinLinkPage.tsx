import { useEffect, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { EmptyState, PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { useAuth } from '../../lib/authContext';
import { callableErrorMessage } from '../../lib/callableErrors';
import { redeemInviteLink } from './invitationsData';

/**
 * /join/:token — a private invite link. Signed-out visitors are sent to sign in or sign up first (and come
 * back here); once the profile exists, the link becomes an invitation and the friend lands in it.
 */
export function JoinLinkPage() {
  const { token = '' } = useParams();
  const { bootstrap } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    // The invitation names both people: wait until this member's profile has been created.
    if (bootstrap.status !== 'ready' || started.current) return;
    started.current = true;
    redeemInviteLink(token)
      .then((id) => void navigate(`/invitations/${encodeURIComponent(id)}`, { replace: true }))
      .catch((err: unknown) => setError(callableErrorMessage(err)));
  }, [bootstrap.status, token, navigate]);

  if (error)
    return (
      <>
        <PageHeader title="Invite link" />
        <EmptyState title={error} />
      </>
    );
  return <Spinner />;
}
