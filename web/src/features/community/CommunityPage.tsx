import { Link } from 'react-router-dom';
import { UsersRound } from 'lucide-react';
import { EmptyState, PageHeader } from '../../components/PageHeader';

export function CommunityPage() {
  return (
    <section data-testid="page-community">
      <PageHeader title="Community" lead="The people you practise with." />
      <EmptyState icon={<UsersRound size={24} />} title="No one here yet. Peers you practise with will appear here.">
        Meanwhile, <Link to="/profile">complete your profile</Link> so partners know a little about you.
      </EmptyState>
    </section>
  );
}
