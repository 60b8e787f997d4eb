/**
 * A Markdown body too long for one GitHub comment, cut into parts that each render on
 * their own: a cut inside a `<details>` block closes it and opens it again in the next
 * part, a cut inside a table repeats the table's header row, a cut inside a fenced code
 * block closes and reopens the fence. Cuts fall between lines; a single line longer than
 * a part is cut where it must be and says so.
 */
export function splitMarkdown(text: string, maxChars: number): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let state: Open = { details: [], fence: null, table: null, previous: '' };
  for (const line of text.replace(/\n+$/, '').split('\n')) {
    const next = advance(state, line);
    // The part must still close what is open once this line is in it.
    if (cost(current) + line.length + 1 + cost(closing(next)) > maxChars && current.length > 0) {
      parts.push([...current, ...closing(state)].join('\n'));
      current = reopening(state);
    }
    const room = maxChars - cost(current) - cost(closing(next)) - 1;
    const note = ' …(line cut: too long for one comment)';
    current.push(line.length > room ? line.slice(0, Math.max(0, room - note.length)) + note : line);
    state = next;
  }
  if (current.length > 0) parts.push(current.join('\n'));
  return parts.map((p) => `${p}\n`);
}

/** What is open at a point of the text: `<details>` blocks, a code fence, a table (its header and separator rows). */
interface Open {
  readonly details: readonly string[];
  readonly fence: string | null;
  readonly table: readonly [string, string] | null;
  readonly previous: string;
}

const FENCE = /^\s*(`{3,}|~{3,})/;
const cost = (lines: readonly string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
const closing = (o: Open): string[] => [...(o.fence ? [FENCE.exec(o.fence)![1]!] : []), ...o.details.map(() => '</details>')];
const reopening = (o: Open): string[] => [...o.details.flatMap((d) => [d, '']), ...(o.table && !o.fence ? o.table : []), ...(o.fence ? [o.fence] : [])];

function advance(o: Open, line: string): Open {
  const at = { ...o, previous: line };
  if (o.fence) return line.trim() === FENCE.exec(o.fence)![1]! ? { ...at, fence: null } : at;
  if (FENCE.test(line)) return { ...at, fence: line, table: null };
  const tag = line.trim().toLowerCase();
  if (tag.startsWith('<details') && !tag.includes('</details>')) return { ...at, details: [...o.details, line], table: null };
  if (tag === '</details>') return { ...at, details: o.details.slice(0, -1), table: null };
  if (!line.startsWith('|')) return { ...at, table: null };
  if (!o.table && o.previous.startsWith('|') && /^\|(\s*:?-+:?\s*\|)+\s*$/.test(line)) return { ...at, table: [o.previous, line] };
  return at;
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
