import { Users } from 'lucide-react';
import { EmptyState, PageHeader } from '../../components/PageHeader';

/**
 * Placeholder: the matching form (session type, difficulty, role preference,
 * "match now" / "book a slot") is built in this folder separately.
 */
export function PracticePage() {
  return (
    <section data-testid="page-practice">
      <PageHeader title="Practice" lead="Find a partner" />
      <EmptyState icon={<Users size={24} />} title="Matching is coming soon.">
        Soon you’ll choose a session type and difficulty here, then get matched with a peer in seconds or book a slot.
      </EmptyState>
    </section>
  );
}
