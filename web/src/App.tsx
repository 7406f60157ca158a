import { lazy, useEffect } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { Spinner } from './components/Spinner';
import { useAuth } from './lib/authContext';
import { RequireAuth } from './features/auth/RequireAuth';
import { SignInPage } from './features/auth/SignInPage';
import { CommunityPage } from './features/community/CommunityPage';
import { LandingPage } from './features/landing/LandingPage';
import { PracticePage } from './features/practice/PracticePage';
import { MatchBanner } from './features/practice/MatchBanner';
import { MyProfileProvider } from './features/profile/MyProfileProvider';
import { ProfilePage } from './features/profile/ProfilePage';
import { MemberPage } from './features/profile/MemberPage';
import { OnboardingPrompt } from './features/profile/OnboardingPrompt';
import { RoomPage } from './features/room/RoomPage';
import { SessionDetailPage } from './features/sessions/SessionDetailPage';
import { SessionsPage } from './features/sessions/SessionsPage';
import { AppShell } from './features/shell/AppShell';
import { NotificationBell } from './features/notifications/NotificationBell';
import { AdminPage } from './features/safety/AdminPage';
import { MemberActions } from './features/safety/MemberActions';
import { SuspensionBanner } from './features/safety/SuspensionBanner';
import { InvitationPage } from './features/invitations/InvitationPage';
import { InvitationsPage } from './features/invitations/InvitationsPage';
import { InvitePage } from './features/invitations/InvitePage';
import { JoinLinkPage } from './features/invitations/JoinLinkPage';
import { NotFoundPage } from './features/shell/NotFoundPage';
import { FeedbackForm } from './features/room/FeedbackForm';
import { SlotsContext, type Slots } from './lib/slots';

// The editor (CodeMirror, Yjs) is a large part of the bundle: load it only where it is shown.
const SLOTS: Slots = {
  FeedbackForm,
  CodeWorkspace: lazy(() => import('./features/editor/CodeWorkspace').then((m) => ({ default: m.CodeWorkspace }))),
  FinalCode: lazy(() => import('./features/editor/FinalCode').then((m) => ({ default: m.FinalCode }))),
  // The whiteboard (Excalidraw) is larger still, and only some sessions open it.
  Whiteboard: lazy(() => import('./features/whiteboard/Whiteboard').then((m) => ({ default: m.Whiteboard }))),
  FinalBoard: lazy(() => import('./features/whiteboard/FinalBoard').then((m) => ({ default: m.FinalBoard }))),
  MemberActions,
};

/** "/": the landing page for visitors, straight to Practice for members. */
function HomeRoute() {
  const { user, loading, signedOutByUser, acknowledgeSignOut } = useAuth();
  useEffect(() => {
    if (!user && signedOutByUser) acknowledgeSignOut();
  }, [user, signedOutByUser, acknowledgeSignOut]);
  if (loading) return <Spinner fullPage />;
  if (user) return <Navigate to="/practice" replace />;
  return <LandingPage />;
}

export function App() {
  return (
    <SlotsContext.Provider value={SLOTS}>
      <Routes>
      <Route path="/" element={<HomeRoute />} />
      <Route path="/signin" element={<SignInPage />} />
      <Route
        element={
          <RequireAuth>
            <MyProfileProvider>
              <AppShell headerExtras={<NotificationBell />} banners={
                  <>
                    <SuspensionBanner />
                    <MatchBanner />
                    <OnboardingPrompt />
                  </>
                } />
            </MyProfileProvider>
          </RequireAuth>
        }
      >
        <Route path="/practice" element={<PracticePage />} />
        <Route path="/sessions" element={<SessionsPage />} />
        <Route path="/sessions/:sessionId" element={<SessionDetailPage />} />
        <Route path="/community" element={<CommunityPage />} />
        <Route path="/members/:uid" element={<MemberPage />} />
        <Route path="/profile" element={<ProfilePage />} />
        <Route path="/session/:sessionId" element={<RoomPage />} />
        <Route path="/invitations" element={<InvitationsPage />} />
        <Route path="/invitations/new/:uid" element={<InvitePage />} />
        <Route path="/invitations/:invitationId" element={<InvitationPage />} />
        <Route path="/join/:token" element={<JoinLinkPage />} />
        <Route path="/admin" element={<AdminPage />} />
      </Route>
      <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </SlotsContext.Provider>
  );
}
