import { Link } from 'react-router-dom';
import { Star } from 'lucide-react';
import { MemberAvatar } from '../../components/MemberAvatar';
import { EXPERIENCE_LEVEL_LABELS, SPOKEN_LANGUAGE_LABELS } from '../../types/models';
import { badgeLabel } from '../../lib/badges';
import type { DirectoryMember } from './directoryData';

export function MemberCard({ member }: { member: DirectoryMember }) {
  const rating =
    member.totalRatings > 0
      ? `${member.averageRating.toFixed(1)} (${member.totalRatings} review${member.totalRatings === 1 ? '' : 's'})`
      : 'No reviews yet';
  return (
    <li className="card member-card" data-testid="member-card" data-uid={member.uid}>
      <div className="member-card-head">
        <MemberAvatar uid={member.uid} name={member.displayName} />
        <div>
          <h2 className="member-name">
            <Link to={`/members/${member.uid}`}>{member.displayName}</Link>
          </h2>
          {member.headline && <p className="muted">{member.headline}</p>}
        </div>
        {member.availableNow && <span className="badge badge-success">Available now</span>}
      </div>
      <p className="member-stats">
        <span aria-label={`Rating ${rating}`}>
          <Star size={14} aria-hidden="true" /> {rating}
        </span>
        {' · '}
        {member.completedSessions} session{member.completedSessions === 1 ? '' : 's'} · reputation {member.reputation}
        {' · '}
        {EXPERIENCE_LEVEL_LABELS[member.experienceLevel]}
      </p>
      {member.specialties.length > 0 && <p className="muted">Specialties: {member.specialties.join(', ')}</p>}
      <p className="muted">Speaks {member.languages.map((l) => SPOKEN_LANGUAGE_LABELS[l]).join(', ')}</p>
      {member.badges.length > 0 && (
        <ul className="badge-list" aria-label="Badges">
          {member.badges.map((b) => (
            <li key={b} className="badge">
              {badgeLabel(b)}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
