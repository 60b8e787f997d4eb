import { userResource } from './resources.js';
import type { EntraStore } from './store.js';
import { GraphApiError, slicePage, Tokens } from './wire.js';

/**
 * Delta queries for users and groups (https://learn.microsoft.com/graph/delta-query-overview):
 * without a token, every object (an initial round); with `$deltatoken=latest`, an empty
 * page whose deltaLink starts "from now"; with a token, the objects changed since it was
 * issued, in their current state, or `@removed`. Groups carry `members@delta` (members
 * added, and removed with `@removed`). Tokens are opaque and signed; `expire()` makes
 * every token issued so far answer as an expired sync state does: 410 Gone, or 400, with
 * error code `syncStateNotFound`, after which the client must synchronise in full
 * (https://learn.microsoft.com/graph/delta-query-overview, "Synchronization reset"; the
 * 400 form and its message for directory resources, whose delta links live seven days:
 * https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/).
 */

/** How an expired delta or skip token is answered. */
export type ExpiredDeltaAnswer = 'gone' | 'badRequest';

const PAGE = { users: 200, groups: 100 } as const;
type Kind = keyof typeof PAGE;

interface DeltaToken {
  k: Kind;
  e: number;
  from: number;
  to?: number;
  off?: number;
  sel?: string[];
}

export class DeltaFeed {
  private readonly tokens = new Tokens();
  private epoch = 0;
  private expiredAs: ExpiredDeltaAnswer = 'gone';

  constructor(private readonly store: EntraStore) {}

  /** Every token issued so far stops being accepted (410 Gone, or 400 with `badRequest`). */
  expire(answer: ExpiredDeltaAnswer = 'gone'): void {
    this.epoch += 1;
    this.expiredAs = answer;
  }

  answer(kind: Kind, query: URLSearchParams, root: string): unknown {
    const select = query
      .get('$select')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const deltaToken = query.get('$deltatoken');
    const skipToken = query.get('$skiptoken');
    const link = (param: string, t: DeltaToken) => `${root}/${kind}/delta?${param}=${this.tokens.issue(t)}`;
    const context = `${root}/$metadata#${kind}`;
    if (deltaToken === 'latest') {
      return {
        '@odata.context': context,
        value: [],
        '@odata.deltaLink': link('$deltatoken', { k: kind, e: this.epoch, from: this.store.seq, ...(select ? { sel: select } : {}) }),
      };
    }
    let t: DeltaToken;
    if (deltaToken || skipToken) {
      t = this.tokens.read<DeltaToken>((deltaToken ?? skipToken)!);
      if (t.k !== kind) throw new GraphApiError(400, 'Request_BadRequest', 'The delta token belongs to another resource.');
      if (t.e !== this.epoch) {
        const status = this.expiredAs === 'gone' ? 410 : 400;
        throw new GraphApiError(status, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.', {
          Location: `${root}/${kind}/delta${t.sel ? `?$select=${t.sel.join(',')}` : ''}`,
        });
      }
      if (deltaToken) t = { ...t, to: this.store.seq, off: 0 };
    } else {
      t = { k: kind, e: this.epoch, from: 0, to: this.store.seq, off: 0, ...(select ? { sel: select } : {}) };
    }
    const entries = kind === 'users' ? this.userEntries(t) : this.groupEntries(t);
    const { page, next } = slicePage(entries, t.off ?? 0, PAGE[kind]);
    const body: Record<string, unknown> = { '@odata.context': `${context}(${(t.sel ?? []).join(',')})`, value: page };
    if (next !== undefined) body['@odata.nextLink'] = link('$skiptoken', { ...t, off: next });
    else body['@odata.deltaLink'] = link('$deltatoken', { k: kind, e: this.epoch, from: t.to!, ...(t.sel ? { sel: t.sel } : {}) });
    return body;
  }

  /** Ids an event of `kind` touched in (from, to], each once, in order of last change. */
  private touched(t: DeltaToken) {
    const events = this.store.log.slice(t.from, t.to);
    return events.filter((e) => (t.k === 'users' ? e.kind === 'user' : e.kind === 'group'));
  }

  private userEntries(t: DeltaToken): unknown[] {
    const ids = t.from === 0 ? [...this.store.users.keys()] : [...new Set(this.touched(t).map((e) => e.id))];
    return ids.map((id) => {
      const u = this.store.users.get(id);
      if (!u) return { id, '@removed': { reason: 'changed' } };
      const r = userResource(u, t.sel);
      delete r['signInActivity'];
      return r;
    });
  }

  private groupEntries(t: DeltaToken): unknown[] {
    const wantsMembers = !t.sel || t.sel.includes('members');
    const member = (id: string, removed = false) => ({ '@odata.type': '#microsoft.graph.user', id, ...(removed ? { '@removed': { reason: 'deleted' } } : {}) });
    const full = (id: string) => {
      const g = this.store.groups.get(id)!;
      return { id, displayName: g.displayName, ...(wantsMembers ? { 'members@delta': [...g.members].map((m) => member(m)) } : {}) };
    };
    if (t.from === 0) return [...this.store.groups.keys()].map(full);
    const byGroup = new Map<string, { whole: boolean; members: Set<string> }>();
    for (const e of this.touched(t)) {
      if (e.kind !== 'group') continue;
      const entry = byGroup.get(e.id) ?? { whole: false, members: new Set<string>() };
      if (e.member === undefined) entry.whole = true;
      else entry.members.add(e.member);
      byGroup.delete(e.id);
      byGroup.set(e.id, entry);
    }
    return [...byGroup].map(([id, entry]) => {
      const g = this.store.groups.get(id);
      if (!g) return { id, '@removed': { reason: 'changed' } };
      if (entry.whole) return full(id);
      return { id, displayName: g.displayName, ...(wantsMembers ? { 'members@delta': [...entry.members].map((m) => member(m, !g.members.has(m))) } : {}) };
    });
  }
}
