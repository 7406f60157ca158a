/**
 * Pieces one feature shows inside another's page. The composition root (App.tsx) fills them in, so
 * no feature imports another: the sessions page shows the room's feedback form and the editor's final
 * code, the room shows the editor, each through the small interface here.
 */
import { createContext, useContext, type ComponentType } from 'react';
import type { PeerSession } from '../types/models';
import type { PeerLink } from './peerLink';

export interface FeedbackFormProps {
  session: PeerSession;
  uid: string;
  /** The narrow side panel of the room. */
  compact?: boolean;
  /** 3 inside the room panel, 2 on the session page. */
  headingLevel?: 2 | 3;
  /** Put the keyboard on the form when it appears (arriving from "Give feedback"). */
  autoFocus?: boolean;
}

export interface CodeWorkspaceProps {
  session: PeerSession;
  uid: string;
  /** The room's channel to the partner, or null to keep the code on Firestore alone. */
  link: PeerLink | null;
}

export interface FinalCodeProps {
  sessionId: string;
}

export interface WhiteboardProps {
  session: PeerSession;
  uid: string;
  /** The room's channel to the partner, or null to keep the board on Firestore alone. */
  link: PeerLink | null;
}

export interface FinalBoardProps {
  sessionId: string;
}

/** What one member can do about another on a card or profile page: invite, block, report. */
export interface MemberActionsProps {
  uid: string;
  displayName: string;
  /** Called once the member is blocked, so the host can drop the card or leave the page. */
  onBlocked?: () => void;
}

export interface Slots {
  FeedbackForm: ComponentType<FeedbackFormProps>;
  CodeWorkspace: ComponentType<CodeWorkspaceProps>;
  FinalCode: ComponentType<FinalCodeProps>;
  Whiteboard: ComponentType<WhiteboardProps>;
  FinalBoard: ComponentType<FinalBoardProps>;
  MemberActions: ComponentType<MemberActionsProps>;
}

export const SlotsContext = createContext<Slots | null>(null);

export function useSlots(): Slots {
  const value = useContext(SlotsContext);
  if (!value) throw new Error('useSlots must be used inside <SlotsContext.Provider>.');
  return value;
}
