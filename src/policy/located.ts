import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { SourceLocation } from '../errors.js';
import type { DocPath, Located } from './model.js';

/**
 * Positions inside one parsed YAML node tree. A path walks map keys and sequence indexes;
 * where it leaves the tree, the deepest node reached answers, so every path has a position.
 */
export class NodePositions {
  constructor(
    private readonly root: Node | null,
    private readonly lineCounter: LineCounter,
    private readonly file: string,
  ) {}

  position(offset: number): SourceLocation {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, col };
  }

  /** The value node's start, or with `key: true` the key's start (for unknown or duplicate keys). */
  locate(path: DocPath, opts: { key?: boolean } = {}): SourceLocation {
    let node: Node | null = this.root;
    let offset = node?.range?.[0] ?? 0;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const keyStart = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        const value = pair.value as Node | null;
        const valueStart = value?.range?.[0];
        // An empty value (`key:`) has no text of its own: the key is where it is written.
        const emptyValue = isScalar(value) && !!value.range && value.range[0] === value.range[1];
        if (last && opts.key && keyStart !== undefined) return this.position(keyStart);
        offset = valueStart !== undefined && !emptyValue ? valueStart : (keyStart ?? offset);
        node = value;
      } else if (isSeq(node)) {
        const index = typeof segment === 'number' ? segment : Number(segment);
        const item = Number.isInteger(index) ? (node.items[index] as Node | undefined) : undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return this.position(offset);
  }

  /** A `Located` view of a document built from this node tree. */
  located<T>(doc: T): Located<T> {
    return { doc, at: this.locate([]), locate: (path: DocPath) => this.locate(path) };
  }
}
