/**
 * A Markdown body too long for one GitHub comment, cut into parts that each render on
 * their own: a cut inside a `<details>` block closes it and opens it again in the next
 * part, a cut inside a table repeats the table's header row, a cut inside a fenced code
 * block closes and reopens the fence. Cuts fall between lines; a single line longer than
 * a part is cut where it must be and says so.
 */
export function splitMarkdown(text: string, maxChars: number): string[] {
  const lines = text.replace(/\n+$/, '').split('\n');
  const parts: string[] = [];
  let current: string[] = [];
  let size = 0;
  const details: string[] = [];
  let fence: string | null = null;
  let table: [string, string] | null = null;
  let previous = '';

  const closing = (): string[] => [...(fence ? [fence.match(/^\s*(`{3,}|~{3,})/)![1]!] : []), ...details.map(() => '</details>')];
  const reopening = (): string[] => [...details.flatMap((d) => [d, '']), ...(table && !fence ? table : []), ...(fence ? [fence] : [])];
  const cost = (ls: readonly string[]) => ls.reduce((n, l) => n + l.length + 1, 0);

  const push = (line: string): void => {
    if (size + line.length + 1 + cost(closing()) > maxChars && current.length > 0) {
      parts.push([...current, ...closing()].join('\n'));
      current = reopening();
      size = cost(current);
    }
    const room = maxChars - size - cost(closing()) - 1;
    if (line.length > room) {
      const note = ' …(line cut: too long for one comment)';
      current.push(line.slice(0, Math.max(0, room - note.length)) + note);
    } else current.push(line);
    size = cost(current);
  };

  for (const line of lines) {
    push(line);
    if (fence) {
      const open = fence.match(/^\s*(`{3,}|~{3,})/)![1]!;
      if (line.trim() === open) fence = null;
    } else if (/^\s*(`{3,}|~{3,})/.test(line)) {
      fence = line;
      table = null;
    } else if (/^<details\b/i.test(line.trim()) && !/<\/details>/i.test(line)) {
      details.push(line);
      table = null;
    } else if (line.trim().toLowerCase() === '</details>') {
      details.pop();
      table = null;
    } else if (line.startsWith('|')) {
      if (!table && previous.startsWith('|') && /^\|(\s*:?-+:?\s*\|)+\s*$/.test(line)) table = [previous, line];
    } else table = null;
    previous = line;
  }
  if (current.length > 0) parts.push(current.join('\n'));
  return parts.map((p) => `${p}\n`);
}

/** Hidden in every part: finds Lockstep's own comments again on the next run. */
export const COMMENT_MARKER = '<!-- lockstep:pr-comment -->';

/** Hidden in every part after the first. */
export const partMarker = (part: number): string => `<!-- lockstep:pr-comment-part ${part} -->`;

/** The part a Lockstep comment holds (1 for the first, and for a comment without a part marker), or null when the comment is not Lockstep's. */
export function partOf(body: string | undefined): number | null {
  if (!body?.includes(COMMENT_MARKER)) return null;
  const m = /<!-- lockstep:pr-comment-part (\d+) -->/.exec(body);
  return m ? Number(m[1]) : 1;
}
