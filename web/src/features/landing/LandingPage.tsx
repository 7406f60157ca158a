import { Link } from 'react-router-dom';
import {
  ArrowLeftRight,
  ArrowRight,
  CalendarClock,
  Code,
  PenTool,
  ShieldCheck,
  Star,
  Video,
  Zap,
  type LucideIcon,
} from 'lucide-react';
import { Wordmark } from '../../components/Wordmark';
import { useDocumentTitle } from '../../lib/useDocumentTitle';

interface Feature {
  icon: LucideIcon;
  title: string;
  text: string;
}

const FEATURES: readonly Feature[] = [
  {
    icon: Zap,
    title: 'Matched in seconds',
    text: 'Pick a session type and difficulty and we pair you with a peer who is ready now.',
  },
  {
    icon: CalendarClock,
    title: 'Or book a slot',
    text: 'Prefer to plan ahead? Book a time that suits you both, across time zones.',
  },
  {
    icon: Video,
    title: 'Live video',
    text: 'Talk face to face in the browser. Nothing to install.',
  },
  {
    icon: Code,
    title: 'A code editor that runs code',
    text: 'Write, run and debug together in one shared editor, just like a real technical round.',
  },
  {
    icon: PenTool,
    title: 'Shared whiteboard',
    text: 'Sketch system designs, case frameworks and diagrams side by side.',
  },
  {
    icon: ArrowLeftRight,
    title: 'Swap halfway',
    text: 'Interview, then be interviewed. Everyone practises both sides of the table.',
  },
];

const STEPS: readonly { title: string; text: string }[] = [
  { title: 'Choose what to practise', text: 'Behavioral, technical, case study or a mix, at your level.' },
  { title: 'Meet your peer', text: 'Get matched right away or book a slot that suits you both.' },
  { title: 'Interview, then swap', text: 'One of you asks, one answers. Halfway through, switch roles.' },
  { title: 'Give honest feedback', text: 'Kind, specific feedback helps your partner and builds your reputation.' },
];

export function LandingPage() {
  useDocumentTitle();

  return (
    <div className="landing" data-testid="landing">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="landing-header">
        <div className="container landing-header-inner">
          <Wordmark />
          <nav aria-label="Account" className="landing-header-actions">
            <Link to="/signin" className="button button-ghost">
              Sign in
            </Link>
            <Link to="/signin?mode=signup" className="button button-primary">
              Create account
            </Link>
          </nav>
        </div>
      </header>

      <main id="main">
        <section className="hero" aria-labelledby="hero-title">
          <div className="container hero-inner">
            <div className="hero-copy">
              <p className="eyebrow">Peer-to-peer mock interviews</p>
              <h1 id="hero-title" className="hero-title">
                Practise interviews with a peer. <span className="accent-text">Get better together.</span>
              </h1>
              <p className="hero-lead">
                Salamin pairs you with someone who is preparing too. Meet over live video, solve problems in a shared
                editor that runs your code, sketch on a whiteboard, and swap seats halfway so you both practise
                asking and answering.
              </p>
              <div className="hero-actions">
                <Link to="/signin?mode=signup" className="button button-primary button-lg">
                  Create account <ArrowRight size={18} aria-hidden="true" />
                </Link>
                <Link to="/signin" className="button button-secondary button-lg">
                  Sign in
                </Link>
              </div>
              <p className="hero-note muted">Free to join. No install. Works in your browser.</p>
            </div>

            <div className="hero-visual" aria-hidden="true">
              <div className="mock-window">
                <div className="mock-titlebar">
                  <span className="dot" />
                  <span className="dot" />
                  <span className="dot" />
                  <span className="mock-title">Technical · Intermediate</span>
                  <span className="mock-timer">Swap roles in 12:30</span>
                </div>
                <div className="mock-body">
                  <div className="mock-videos">
                    <div className="mock-video mock-video-a">
                      <span className="mock-avatar">A</span>
                      <span className="mock-tag">Interviewer</span>
                    </div>
                    <div className="mock-video mock-video-b">
                      <span className="mock-avatar">M</span>
                      <span className="mock-tag">Interviewee</span>
                    </div>
                  </div>
                  <div className="mock-editor">
                    <div className="mock-editor-bar">
                      <span>two_sum.py</span>
                      <span className="mock-run">▶ Run</span>
                    </div>
                    <pre>
                      <code>
                        <span className="tok-k">def</span> <span className="tok-f">two_sum</span>(nums, target):{'\n'}
                        {'    '}seen = {'{}'}{'\n'}
                        {'    '}<span className="tok-k">for</span> i, n <span className="tok-k">in</span>{' '}
                        <span className="tok-f">enumerate</span>(nums):{'\n'}
                        {'        '}<span className="tok-k">if</span> target - n <span className="tok-k">in</span> seen:
                        {'\n'}
                        {'            '}<span className="tok-k">return</span> [seen[target - n], i]{'\n'}
                        {'        '}seen[n] = i
                      </code>
                    </pre>
                    <div className="mock-output">✓ 3 tests passed</div>
                  </div>
                </div>
              </div>
            </div>
          </div>
        </section>

        <section className="section" aria-labelledby="features-title">
          <div className="container">
            <h2 id="features-title" className="section-title">
              Everything a real interview has
            </h2>
            <p className="section-lead muted">The tools you will face on the day, with a partner who wants you to do well.</p>
            <ul className="feature-grid" role="list">
              {FEATURES.map(({ icon: Icon, title, text }) => (
                <li key={title} className="card feature-card">
                  <span className="feature-icon">
                    <Icon size={20} aria-hidden="true" />
                  </span>
                  <h3>{title}</h3>
                  <p className="muted">{text}</p>
                </li>
              ))}
            </ul>
          </div>
        </section>

        <section className="section section-alt" aria-labelledby="how-title">
          <div className="container">
            <h2 id="how-title" className="section-title">
              How it works
            </h2>
            <ol className="steps" role="list">
              {STEPS.map((step, index) => (
                <li key={step.title} className="step">
                  <span className="step-number" aria-hidden="true">
                    {index + 1}
                  </span>
                  <div>
                    <h3>{step.title}</h3>
                    <p className="muted">{step.text}</p>
                  </div>
                </li>
              ))}
            </ol>
          </div>
        </section>

        <section className="section" aria-labelledby="reputation-title">
          <div className="container reputation">
            <div className="reputation-icons" aria-hidden="true">
              <Star size={28} />
              <ShieldCheck size={28} />
            </div>
            <div>
              <h2 id="reputation-title" className="section-title">
                Honest feedback builds reputation
              </h2>
              <p className="muted">
                After each session you and your partner rate each other and leave specific, kind feedback. Showing up
                and helping others raises your reputation, so you get matched with peers who take practice seriously.
              </p>
            </div>
          </div>
        </section>

        <section className="section cta" aria-labelledby="cta-title">
          <div className="container cta-inner">
            <h2 id="cta-title" className="section-title">
              Your next interview starts with practice
            </h2>
            <div className="hero-actions">
              <Link to="/signin?mode=signup" className="button button-primary button-lg">
                Create account
              </Link>
              <Link to="/signin" className="button button-secondary button-lg">
                Sign in
              </Link>
            </div>
          </div>
        </section>
      </main>

      <footer className="landing-footer">
        <div className="container">
          <p className="muted">
            Salamin means “mirror” in Tagalog: practise with a peer and see yourself the way an interviewer does.
          </p>
        </div>
      </footer>
    </div>
  );
}
