/** /members/:uid — another member's profile card and page (the rules refuse it when either blocked the other). */
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Star } from 'lucide-react';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { MemberAvatar } from '../../components/MemberAvatar';
import { HowReputationWorks } from '../../components/HowReputationWorks';
import { describeAvailability } from '../../lib/availability';
import { BADGES, badgeLabel } from '../../lib/badges';
import { useSlots } from '../../lib/slots';
import {
  EXPERIENCE_LEVEL_LABELS,
  FEEDBACK_STYLE_LABELS,
  FEEDBACK_TAG_LABELS,
  INDUSTRY_LABELS,
  SESSION_TYPE_LABELS,
  SPOKEN_LANGUAGE_LABELS,
  type CommunityProfile,
} from '../../types/models';
import { watchCommunityProfile } from './profileData';

type State = { status: 'loading' } | { status: 'missing' } | { status: 'ready'; profile: CommunityProfile };

export function MemberPage() {
  const { uid = '' } = useParams();
  const navigate = useNavigate();
  const { MemberActions } = useSlots();
  const [state, setState] = useState<State>({ status: 'loading' });

  useEffect(() => {
    setState({ status: 'loading' });
    return watchCommunityProfile(
      uid,
      (profile, exists) => setState(exists && profile ? { status: 'ready', profile } : { status: 'missing' }),
      // permission-denied (a block either way) reads the same as a member who does not exist.
      () => setState({ status: 'missing' }),
    );
  }, [uid]);

  if (state.status === 'loading')
    return (
      <section data-testid="page-member">
        <Spinner label="Loading the profile…" />
      </section>
    );
  if (state.status === 'missing')
    return (
      <section data-testid="page-member">
        <PageHeader title="Member not found" lead="This profile isn’t available." />
        <Link to="/community">Back to the Community</Link>
      </section>
    );

  const p = state.profile;
  const s = p.peerStats;
  const hours = s ? Math.round((s.practiceMinutes / 60) * 10) / 10 : 0;
  return (
    <section data-testid="page-member" data-uid={p.uid}>
      <div className="member-page-head">
        <MemberAvatar uid={p.uid} name={p.displayName} size={64} />
        <PageHeader title={p.displayName} lead={p.headline || EXPERIENCE_LEVEL_LABELS[p.experienceLevel]} />
      </div>
      <MemberActions uid={p.uid} displayName={p.displayName} onBlocked={() => navigate('/community')} />

      <dl className="card stats" aria-label="Practice record">
        <div>
          <dt>Rating</dt>
          <dd>
            <Star size={16} aria-hidden="true" />{' '}
            {s && s.totalRatings > 0 ? `${s.averageRating.toFixed(1)} (${s.totalRatings} reviews)` : 'No reviews yet'}
          </dd>
        </div>
        <div>
          <dt>Sessions</dt>
          <dd data-testid="member-sessions">{s?.completedSessions ?? 0}</dd>
        </div>
        <div>
          <dt>Practice time</dt>
          <dd>{hours} h</dd>
        </div>
        <div>
          <dt>Reputation</dt>
          <dd>{p.reputation}</dd>
        </div>
        <div>
          <dt>Roles</dt>
          <dd>
            {s?.asInterviewer ?? 0} as interviewer · {s?.asInterviewee ?? 0} as interviewee
          </dd>
        </div>
      </dl>

      <div className="card">
        {p.bio && <p className="member-bio">{p.bio}</p>}
        <p>
          <strong>Experience:</strong> {EXPERIENCE_LEVEL_LABELS[p.experienceLevel]}
        </p>
        <p>
          <strong>Speaks:</strong> {p.languages.map((l) => SPOKEN_LANGUAGE_LABELS[l]).join(', ')}
        </p>
        {p.specialties.length > 0 && (
          <p>
            <strong>Specialties:</strong> {p.specialties.join(', ')}
          </p>
        )}
        {p.industries.length > 0 && (
          <p>
            <strong>Industries:</strong> {p.industries.map((i) => INDUSTRY_LABELS[i]).join(', ')}
          </p>
        )}
        <p>
          <strong>Available:</strong> {describeAvailability(p.availability)} ({p.timeZone.replaceAll('_', ' ')})
        </p>
        {p.preferredSessionTypes.length > 0 && (
          <p>
            <strong>Prefers:</strong> {p.preferredSessionTypes.map((t) => SESSION_TYPE_LABELS[t]).join(', ')}
          </p>
        )}
        <p>
          <strong>Likes feedback:</strong> {FEEDBACK_STYLE_LABELS[p.feedbackStyle]}
          {p.openToMentoring ? ' · open to mentoring' : ''}
        </p>
        {s && s.topTags.length > 0 && (
          <p>
            <strong>Partners say:</strong> {s.topTags.map((t) => `${FEEDBACK_TAG_LABELS[t.tag]} (${t.count})`).join(', ')}
          </p>
        )}
        {p.badges.length > 0 && (
          <ul className="badge-list" aria-label="Badges">
            {p.badges.map((b) => (
              <li key={b} className="badge" title={BADGES[b]?.rule}>
                {badgeLabel(b)}
              </li>
            ))}
          </ul>
        )}
      </div>
      <HowReputationWorks />
    </section>
  );
}
