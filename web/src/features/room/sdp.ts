/** The candidates written into a description (`a=candidate:...` lines, as onicecandidate spells them). */
export function candidateLines(sdp: string): Set<string> {
  const out = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) if (line.startsWith('a=candidate:')) out.add(line.slice(2));
  return out;
}
