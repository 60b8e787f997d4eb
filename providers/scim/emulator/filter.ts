import { SCIM_URN } from '../schema.js';

/**
 * SCIM filter expressions (RFC 7644 §3.4.2.2) for the emulator: attribute comparisons
 * (eq ne co sw ew gt ge lt le pr), `and` binding tighter than `or`, `not (...)`,
 * parentheses and value paths such as `emails[type eq "work" and primary eq true]`.
 * Attribute names are case-insensitive; string comparisons too, except caseExact ones.
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'compare'; path: string; op: CompareOp; value: FilterValue }
  | { kind: 'present'; path: string }
  | { kind: 'valuePath'; path: string; filter: FilterNode };

/** Thrown for a malformed filter or path; the emulator answers 400 invalidFilter / invalidPath. */
export class FilterSyntaxError extends Error {}

/** Attributes compared case-exactly (RFC 7643 §4: ids and references are caseExact). */
const CASE_EXACT = new Set(['id', 'externalid', 'members.value', 'meta.version']);
const OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const TOKEN = /\s*(\(|\)|\[|\]|"(?:[^"\\]|\\.)*"|[^\s()[\]"]+)/y;

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < input.length) {
    if (/^\s*$/.test(input.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(input);
    if (!m?.[1]) throw new FilterSyntaxError(`unexpected text in filter at ${TOKEN.lastIndex}`);
    tokens.push(m[1]);
  }
  return tokens;
}

/** Removes the core schema URN prefix (`urn:...:core:2.0:User:userName` → `userName`). */
export function stripCoreUrn(path: string): string {
  for (const urn of [SCIM_URN.user, SCIM_URN.group]) {
    if (path.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) return path.slice(urn.length + 1);
  }
  return path;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: string[]) {}

  parse(): FilterNode {
    const node = this.or();
    if (this.i < this.tokens.length) throw new FilterSyntaxError(`unexpected "${this.tokens[this.i]}" in filter`);
    return node;
  }

  private peek(): string | undefined {
    return this.tokens[this.i];
  }

  private next(what: string): string {
    const t = this.tokens[this.i++];
    if (t === undefined) throw new FilterSyntaxError(`filter ends where ${what} was expected`);
    return t;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peek()?.toLowerCase() === 'or') {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.peek()?.toLowerCase() === 'and') {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    const t = this.next('an expression');
    if (t.toLowerCase() === 'not') {
      if (this.next('"("') !== '(') throw new FilterSyntaxError('"not" must be followed by "("');
      return { kind: 'not', expr: this.group() };
    }
    if (t === '(') return this.group();
    const path = stripCoreUrn(t);
    if (this.peek() === '[') {
      this.i++;
      const filter = this.or();
      if (this.next('"]"') !== ']') throw new FilterSyntaxError('missing "]" in filter');
      return { kind: 'valuePath', path, filter };
    }
    const op = this.next('an operator').toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!OPERATORS.has(op)) throw new FilterSyntaxError(`unknown operator "${op}" in filter`);
    return { kind: 'compare', path, op: op as CompareOp, value: literal(this.next('a value')) };
  }

  private group(): FilterNode {
    const node = this.or();
    if (this.next('")"') !== ')') throw new FilterSyntaxError('missing ")" in filter');
    return node;
  }
}

function literal(token: string): FilterValue {
  if (token.startsWith('"')) {
    try {
      return JSON.parse(token) as string;
    } catch {
      throw new FilterSyntaxError(`bad string ${token} in filter`);
    }
  }
  const lower = token.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  if (lower === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  throw new FilterSyntaxError(`bad value ${token} in filter`);
}

export function parseFilter(expression: string): FilterNode {
  return new Parser(tokenize(expression)).parse();
}

/** Reads an attribute case-insensitively. */
export function getAttr(obj: unknown, name: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (obj as Record<string, unknown>)[key];
}

/**
 * Where an attribute path reads from: an extension attribute is named with its schema URN
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`, RFC 7644
 * §3.10), whose dots are no sub-attribute steps, and lives in the object under that URN.
 */
function resolvePath(resource: unknown, path: string): { container: unknown; parts: string[] } {
  if (!path.toLowerCase().startsWith('urn:')) return { container: resource, parts: path.split('.') };
  const cut = path.lastIndexOf(':');
  return { container: getAttr(resource, path.slice(0, cut)), parts: path.slice(cut + 1).split('.') };
}

/** Every value at a dotted path; multi-valued attributes fan out, complex ones default to `.value`. */
function valuesAt(resource: unknown, path: string): unknown[] {
  const { container, parts } = resolvePath(resource, path);
  let current: unknown[] = container === undefined ? [] : [container];
  for (const part of parts) {
    current = current.flatMap((v) => {
      const x = getAttr(v, part);
      return Array.isArray(x) ? x : x === undefined ? [] : [x];
    });
  }
  return current.map((v) => (v !== null && typeof v === 'object' ? getAttr(v, 'value') : v)).filter((v) => v !== undefined);
}

function compare(actual: unknown, op: CompareOp, expected: FilterValue, caseExact: boolean): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    const a = caseExact ? actual : actual.toLowerCase();
    const e = caseExact ? expected : expected.toLowerCase();
    switch (op) {
      case 'eq':
        return a === e;
      case 'ne':
        return a !== e;
      case 'co':
        return a.includes(e);
      case 'sw':
        return a.startsWith(e);
      case 'ew':
        return a.endsWith(e);
      case 'gt':
        return a > e;
      case 'ge':
        return a >= e;
      case 'lt':
        return a < e;
      case 'le':
        return a <= e;
    }
  }
  if (op === 'eq') return actual === expected;
  if (op === 'ne') return actual !== expected;
  if (typeof actual === 'number' && typeof expected === 'number') {
    return op === 'gt' ? actual > expected : op === 'ge' ? actual >= expected : op === 'lt' ? actual < expected : op === 'le' ? actual <= expected : false;
  }
  return false;
}

/** Whether a resource (or, inside a value path, one element of a multi-valued attribute) matches. */
export function matchesFilter(node: FilterNode, resource: unknown, prefix = ''): boolean {
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, resource, prefix) && matchesFilter(node.right, resource, prefix);
    case 'or':
      return matchesFilter(node.left, resource, prefix) || matchesFilter(node.right, resource, prefix);
    case 'not':
      return !matchesFilter(node.expr, resource, prefix);
    case 'present':
      return valuesAt(resource, node.path).some((v) => v !== null && v !== '');
    case 'valuePath': {
      const { container, parts } = resolvePath(resource, node.path);
      const items = getAttr(container, parts.join('.'));
      const list = Array.isArray(items) ? items : items === undefined ? [] : [items];
      return list.some((item) => matchesFilter(node.filter, item, `${prefix}${node.path}.`));
    }
    case 'compare': {
      const exact = CASE_EXACT.has(`${prefix}${node.path}`.toLowerCase());
      const values = valuesAt(resource, node.path);
      if (node.op === 'ne') return values.every((v) => compare(v, 'ne', node.value, exact));
      return values.some((v) => compare(v, node.op, node.value, exact));
    }
  }
}
