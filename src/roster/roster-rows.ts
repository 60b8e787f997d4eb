import { parse } from 'csv-parse/sync';
import type { Problem, SourceLocation } from '../errors.js';
import { parseYamlFile } from '../policy/policy-files.js';
import { plural } from '../wording/plural.js';

/**
 * Roster rows as written, before validation: field name -> value, with the position of
 * every field so each problem names the cell it is about.
 */
export interface RosterRowSource {
  readonly fields: Readonly<Record<string, unknown>>;
  /** Start of the row (CSV record, YAML list item). */
  readonly at: SourceLocation;
  /** Position of a field's value (its key with `key: true`), or the row's when absent. */
  locate(field: string | ReadonlyArray<string | number>, opts?: { key?: boolean }): SourceLocation;
}

export interface RosterRows {
  readonly rows: RosterRowSource[];
  readonly problems: Problem[];
}

/** The columns of SPEC §4, in order. */
export const ROSTER_COLUMNS = [
  'employee_id',
  'email',
  'aliases',
  'name',
  'manager_email',
  'department',
  'title',
  'employment_type',
  'status',
  'end_date',
  'org',
] as const;
const REQUIRED_COLUMNS = ['employee_id', 'email', 'status'] as const;

/** Byte offsets in a UTF-8 file mapped to 1-based lines and character columns. */
class BytePositions {
  private readonly lineStarts: number[] = [0];
  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
  ) {
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) this.lineStarts.push(i + 1);
  }
  position(offset: number): SourceLocation {
    let [lo, hi] = [0, this.lineStarts.length - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.lineStarts[lo]!;
    // Columns count characters: plain ASCII before the offset (every row start, most cells)
    // is one character per byte; anything else (a BOM, other UTF-8) is decoded.
    let ascii = true;
    for (let i = lineStart; i < offset && ascii; i++) ascii = this.bytes[i]! < 0x80;
    const col = ascii ? offset - lineStart + 1 : this.bytes.toString('utf8', lineStart, offset).replace(/^\uFEFF/, '').length + 1;
    return { file: this.file, line: lo + 1, col };
  }
}

/** Byte offsets where each field of the record in `bytes[start, end)` starts; quotes respected. */
function fieldStarts(bytes: Buffer, start: number, end: number): number[] {
  const starts = [start];
  let quoted = false;
  for (let i = start; i < end; i++) {
    if (bytes[i] === 0x22) quoted = !quoted;
    else if (bytes[i] === 0x2c && !quoted) starts.push(i + 1);
  }
  return starts;
}

interface CsvRecord {
  record: string[];
  info: { bytes: number };
}

/**
 * CSV with a header row naming SPEC §4 columns. A BOM and blank lines are tolerated;
 * unknown or repeated columns, missing required columns and rows with the wrong number of
 * cells are problems. Cells are trimmed.
 */
export function readCsvRows(bytes: Buffer, file: string): RosterRows {
  const positions = new BytePositions(bytes, file);
  const problems: Problem[] = [];
  let records: CsvRecord[];
  try {
    records = parse(bytes, { bom: true, info: true, relax_column_count: true, skip_empty_lines: false }) as unknown as CsvRecord[];
  } catch (e) {
    const err = e as Error & { lines?: number };
    return { rows: [], problems: [{ message: `CSV: ${err.message}`, at: { file, line: err.lines ?? 1, col: 1 } }] };
  }
  // info.bytes is the offset just past each record, so a record starts where the previous
  // one ended; blank lines before it are skipped to find its first cell.
  let previousEnd = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const located = records
    .map((r) => {
      let start = previousEnd;
      while (bytes[start] === 0x0d || bytes[start] === 0x0a) start++;
      const end = r.info.bytes;
      previousEnd = end;
      return { cells: r.record.map((c) => c.trim()), start, end };
    })
    .filter((r) => r.cells.some((c) => c !== ''));

  const cellAt = (r: { start: number; end: number }, i: number): SourceLocation => {
    const starts = fieldStarts(bytes, r.start, r.end);
    return positions.position(starts[Math.min(i, starts.length - 1)]!);
  };
  const headerRecord = located[0];
  if (!headerRecord) return { rows: [], problems: [{ message: 'the roster is empty: a header row is required', at: { file, line: 1, col: 1 } }] };
  const header = headerRecord.cells;
  for (const required of REQUIRED_COLUMNS) {
    if (!header.includes(required)) problems.push({ message: `missing required column "${required}"`, at: cellAt(headerRecord, 0) });
  }
  header.forEach((column, i) => {
    if (!(ROSTER_COLUMNS as readonly string[]).includes(column)) {
      problems.push({ message: `unknown column "${column}" (columns are: ${ROSTER_COLUMNS.join(', ')})`, at: cellAt(headerRecord, i) });
    } else if (header.indexOf(column) !== i) {
      problems.push({ message: `column "${column}" appears twice`, at: cellAt(headerRecord, i) });
    }
  });
  if (problems.length > 0) return { rows: [], problems };

  const rows: RosterRowSource[] = [];
  for (const r of located.slice(1)) {
    const rowAt = positions.position(r.start);
    if (r.cells.length !== header.length) {
      problems.push({ message: `row has ${plural(r.cells.length, 'cell')}, the header has ${header.length}`, at: rowAt });
      continue;
    }
    const fields: Record<string, string> = {};
    header.forEach((column, i) => (fields[column] = r.cells[i]!));
    const locate = (field: string | ReadonlyArray<string | number>): SourceLocation => {
      const i = header.indexOf(String(typeof field === 'string' ? field : field[0]));
      return i < 0 ? rowAt : cellAt(r, i);
    };
    rows.push({ fields, at: rowAt, locate });
  }
  return { rows, problems };
}

/**
 * A YAML list of maps with the CSV's field names. Scalars are read as strings (the failsafe
 * schema), so an employee id such as 00123 keeps its leading zeros.
 */
export function readYamlRows(bytes: Buffer, abs: string): RosterRows {
  const parsed = parseYamlFile(abs, bytes, 'failsafe');
  const problems: Problem[] = [...parsed.problems];
  const rows: RosterRowSource[] = [];
  const doc = parsed.documents[0];
  if (!doc) {
    if (problems.length === 0) problems.push({ message: 'the roster is empty: expected a list of people', at: { file: parsed.display, line: 1, col: 1 } });
    return { rows, problems };
  }
  if (parsed.documents.length > 1) {
    problems.push({ message: 'a YAML roster holds one document (a list of people)', at: parsed.documents[1]!.positions.locate([]) });
  }
  if (!Array.isArray(doc.value)) {
    problems.push({ message: 'a YAML roster must be a list of people', at: doc.positions.locate([]) });
    return { rows, problems };
  }
  doc.value.forEach((item: unknown, i: number) => {
    const rowAt = doc.positions.locate([i]);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ message: 'each roster item must be a map of fields', at: rowAt });
      return;
    }
    const locate = (field: string | ReadonlyArray<string | number>, opts: { key?: boolean } = {}): SourceLocation =>
      doc.positions.locate([i, ...(typeof field === 'string' ? [field] : field)], opts);
    rows.push({ fields: item as Record<string, unknown>, at: rowAt, locate });
  });
  return { rows, problems };
}
