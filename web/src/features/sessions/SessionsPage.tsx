import { Link } from 'react-router-dom';
import { History } from 'lucide-react';
import { EmptyState, PageHeader } from '../../components/PageHeader';

export function SessionsPage() {
  return (
    <section data-testid="page-sessions">
      <PageHeader title="Sessions" lead="Your upcoming and past practice sessions." />
      <EmptyState icon={<History size={24} />} title="No sessions yet. Your past practice sessions will appear here.">
        <Link to="/practice">Find a partner</Link> to start your first one.
      </EmptyState>
    </section>
  );
}
