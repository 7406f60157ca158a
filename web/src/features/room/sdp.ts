/**
 * The identity of a candidate: foundation, component, transport, priority, address, port and type. An
 * `a=candidate:` line of a description and the candidate string onicecandidate gives for the same
 * candidate differ in their extensions (the event's carries `ufrag ...`, the description's does not).
 */
export function candidateKey(candidate: string): string {
  const body = candidate.replace(/^a=/, '').replace(/^candidate:/, '');
  return body.split(/\s+/).slice(0, 8).join(' ');
}

/** The keys of the candidates written into a description. */
export function candidateLines(sdp: string): Set<string> {
  const out = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) if (line.startsWith('a=candidate:')) out.add(candidateKey(line));
  return out;
}
