import { Link, useParams } from 'react-router-dom';
import { Video } from 'lucide-react';
import { EmptyState, PageHeader } from '../../components/PageHeader';

/** Placeholder for the live room (video, shared editor, whiteboard). */
export function SessionRoomPage() {
  const { sessionId = '' } = useParams<{ sessionId: string }>();
  return (
    <section data-testid="page-session-room">
      <PageHeader title="Session room" lead={<>Session <code>{sessionId}</code></>} />
      <EmptyState icon={<Video size={24} />} title="The session room isn’t ready yet.">
        Video, the shared code editor and the whiteboard will appear here. <Link to="/sessions">Back to your sessions</Link>
      </EmptyState>
    </section>
  );
}
