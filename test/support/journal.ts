import { canonicalJson } from '../../src/journal/canonical-json.js';
import { lineHash, recordHash, ZERO_HASH, type JournalEntry } from '../../src/journal/record.js';
import type { Signer } from '../../src/signing/ed25519.js';
import { aChange } from './changes.js';

/** The n-th of a run's change records: okta-main suspends user<n>@acme.com (00u<n>), ok. */
export function aChangeEntry(n: number): JournalEntry {
  const c = aChange({ action: 'suspend', target: { account: { id: `00u${n}`, login: `user${n}@acme.com` } } });
  return { runId: 'run-1', actor: 'ops@host', type: 'change', changeId: c.id, provider: c.provider, action: c.action, target: c.target, result: 'ok' };
}

/**
 * Journal lines as a forger rewrites them: from index `from` on, the first record changed
 * by `change`, then every record given a recomputed hash and `prev` link, and signed only
 * when the forger holds a key (`signer`, perhaps another one than the journal's).
 */
export function reHash(lines: readonly string[], from: number, change: (r: Record<string, unknown>) => void, signer: Signer | null = null): string[] {
  const out = lines.slice(0, from);
  let prev = from === 0 ? ZERO_HASH : lineHash(Buffer.from(out[from - 1]!, 'utf8'));
  for (const line of lines.slice(from)) {
    const r = JSON.parse(line) as Record<string, unknown>;
    if (out.length === from) change(r);
    r.prev = prev;
    delete r.sig;
    r.hash = recordHash(r as never);
    if (signer) r.sig = signer.sign(r.hash as string);
    const text = canonicalJson(r);
    out.push(text);
    prev = lineHash(Buffer.from(text, 'utf8'));
  }
  return out;
}
