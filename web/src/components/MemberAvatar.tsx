/** A member's generated avatar: their initials on a colour fixed by their uid (no uploads). */
const COLOURS = ['#2563eb', '#7c3aed', '#db2777', '#ea580c', '#16a34a', '#0891b2', '#4f46e5', '#b45309'];

export function initialsOf(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((p) => (p ?? '').charAt(0).toUpperCase()).join('') || '?';
}

function colourOf(uid: string): string {
  let hash = 0;
  for (const ch of uid) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[hash % COLOURS.length] ?? '#2563eb';
}

export function MemberAvatar({ uid, name, size = 44 }: { uid: string; name: string; size?: number }) {
  return (
    <span
      className="member-avatar"
      aria-hidden="true"
      style={{ background: colourOf(uid), width: size, height: size, fontSize: size * 0.4 }}
    >
      {initialsOf(name)}
    </span>
  );
}
