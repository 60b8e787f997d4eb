/** `1 day`, `2 days`, `0 people`: a count with its noun in the number it takes. English only, as all output is. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
