/**
 * A message channel to the partner that may or may not be open. The room provides one (its call's
 * data channel); the editor uses it without knowing where it comes from.
 */
export interface PeerLink {
  isOpen(): boolean;
  send(data: unknown): boolean;
  onData(fn: (data: unknown) => void): () => void;
  onOpenChange(fn: (open: boolean) => void): () => void;
}
