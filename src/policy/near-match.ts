/**
 * Suggestions for names that resolve to nothing: a case-insensitive match first, else the
 * closest name within a small edit distance (typos such as "Salesforce Userz").
 */

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate the user most likely meant, or null when none is close. */
export function nearestName(name: string, candidates: Iterable<string>): string | null {
  const wanted = name.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(wanted.length / 4)));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const lower = c.toLowerCase();
    if (lower === wanted) return c;
    const d = editDistance(wanted, lower, limit);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** ` (did you mean "X"?)` or the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const near = nearestName(name, candidates);
  return near === null ? '' : ` (did you mean "${near}"?)`;
}
