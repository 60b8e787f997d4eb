/**
 * Requests an emulator received, per endpoint. Keys are `METHOD /path/template`
 * (`GET /Users`, `PATCH /Users/{id}`) so tests can assert call counts without knowing ids.
 * Every request is counted on arrival, including those answered by an injected fault.
 */
export class RequestCounters {
  private readonly counts = new Map<string, number>();

  hit(method: string, template: string): void {
    const key = `${method.toUpperCase()} ${template}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Requests for one endpoint, e.g. `get('GET /Users')`; 0 when never called. */
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** All requests, optionally only those of one method. */
  total(method?: string): number {
    let n = 0;
    for (const [key, count] of this.counts) if (!method || key.startsWith(`${method.toUpperCase()} `)) n += count;
    return n;
  }

  /** A copy, sorted by key, for assertions and diagnostics. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}
