import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import type { RequestCounters } from '../../src/emulator/counters.js';
import type { FaultController, FaultRule, RequestMatch } from '../../src/emulator/faults.js';
import type { Provider } from '../../src/provider/provider.js';
import type { ChangeAction, ObservedProvider } from '../../src/types/index.js';
import { aChange, account, group } from './changes.js';

type PlanChangeLike = ReturnType<typeof aChange>;

/**
 * The contract every provider keeps, run against its emulator and, where one exists,
 * a third-party implementation of the same API. Tests go over real HTTP and assert
 * outcomes (the service's own state), never calls.
 */
export interface ContractControls {
  faults: FaultController;
  counters: RequestCounters;
  /** The service's state as it sees it, read around the provider. */
  inspect(): ObservedProvider;
  /**
   * Live credentials the service holds for an account (sessions, OAuth tokens and app
   * passwords, enrolled factors), for services that have them. Emulators seed every
   * active account with at least one of each.
   */
  credentials?(accountId: string): { sessions: number; tokens: number; factors: number };
  /** Ownership transfers the service completed, for services that transfer data. */
  transfers?(): { from: string; to: string }[];
}

export interface ContractFixture {
  provider: Provider;
  controls: ContractControls;
  seed: ObservedProvider;
  /** Counter keys of the bulk list endpoints observe pages through, and what each lists. */
  listEndpoints: { key: string; lists: 'accounts' | 'groups' }[];
  /** Where to inject faults: the requests that read an account, change one, change a group, delete one. */
  endpoints: { readAccount: RequestMatch; writeAccount: RequestMatch; writeGroup: RequestMatch; deleteAccount: RequestMatch };
  /** The credential the provider holds; it must never show in errors or observed data. */
  secret: string;
  /** The actions the provider carries out through the API (its capabilities' `automated`). */
  automated: ReadonlySet<ChangeAction>;
  /**
   * Suspending means leaving every managed group (Kubernetes: there is no account to switch
   * off), so a leaver's group removals after the suspend may already be done.
   */
  suspendRemovesMemberships?: boolean;
  close(): Promise<void>;
}

export interface ContractSetupOptions {
  seed: ObservedProvider;
  pageSize: number;
  timeoutMs?: number;
}

export const CONTRACT_PAGE_SIZE = 3;

/** 7 accounts and 4 groups: more than two pages of each at CONTRACT_PAGE_SIZE. */
export function contractSeed(type: string): ObservedProvider {
  const a = (id: string, login: string, status: 'active' | 'suspended', extra: object = {}) => ({ id, login, status, emails: [login], ...extra });
  return {
    type,
    accounts: [
      a('u1', 'alice@acme.com', 'active', { emails: ['alice@acme.com', 'a.smith@acme.com'], externalId: 'E100' }),
      a('u2', 'bob@acme.com', 'active', { externalId: 'E101' }),
      a('u3', 'carol@acme.com', 'suspended'),
      a('u4', 'dan@acme.com', 'active'),
      a('u5', 'erin@acme.com', 'suspended'),
      a('u6', 'frank@acme.com', 'active'),
      a('u7', 'grace@acme.com', 'active'),
    ],
    groups: [
      { id: 'g1', name: 'Engineering', members: ['u1', 'u2', 'u4'] },
      { id: 'g2', name: 'Sales', members: ['u2'] },
      { id: 'g3', name: 'Admins', members: ['u1'] },
      { id: 'g4', name: 'Empty', members: [] },
    ],
  };
}

function normalised(o: ObservedProvider) {
  return {
    accounts: [...o.accounts]
      .map((x) => ({ id: x.id, login: x.login, status: x.status, emails: x.emails ?? [], externalId: x.externalId ?? null }))
      .sort((x, y) => x.id.localeCompare(y.id)),
    groups: [...o.groups].map((g) => ({ id: g.id, name: g.name, members: [...g.members].sort() })).sort((x, y) => x.id.localeCompare(y.id)),
  };
}

const statusOf = (o: ObservedProvider, id: string) => o.accounts.find((x) => x.id === id)?.status;
const membersOf = (o: ObservedProvider, id: string) => o.groups.find((g) => g.id === id)?.members ?? [];

export function describeProviderContract(name: string, setup: (options: ContractSetupOptions) => Promise<ContractFixture>): void {
  describe(`provider contract: ${name}`, () => {
    let fx: ContractFixture;
    const errors: ProviderError[] = [];
    const start = async (opts: Partial<ContractSetupOptions> = {}) => {
      await fx?.close();
      fx = await setup({ seed: contractSeed('scim'), pageSize: CONTRACT_PAGE_SIZE, ...opts });
    };
    const failure = async (p: Promise<unknown>): Promise<ProviderError> => {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ProviderError);
      errors.push(e as ProviderError);
      return e as ProviderError;
    };
    const inject = (rule: FaultRule) => fx.controls.faults.set({ rules: [rule] });
    const suspendU2 = () => fx.provider.apply(aChange(name, 'suspend', { account: account('u2', 'bob@acme.com') }));

    beforeEach(() => start());
    afterEach(async () => {
      for (const e of errors) expect(e.message).not.toContain(fx.secret);
      errors.length = 0;
      await fx.close();
    });

    it('observes the seed faithfully: ids, logins, emails, statuses, memberships', async () => {
      const observed = await fx.provider.observe();
      expect(normalised(observed)).toEqual(normalised(fx.seed));
      expect(JSON.stringify(observed)).not.toContain(fx.secret);
    });

    // A service honouring the page size needs exactly ceil(n / size) requests for a complete
    // listing; one returning bigger pages than asked needs fewer. Never one per resource.
    it('pages bulk lists with no more than the minimum number of requests', async () => {
      fx.controls.counters.reset();
      const observed = await fx.provider.observe();
      expect(normalised(observed)).toEqual(normalised(fx.seed));
      for (const { key, lists } of fx.listEndpoints) {
        const n = fx.controls.counters.get(key);
        expect(n, key).toBeGreaterThanOrEqual(1);
        expect(n, key).toBeLessThanOrEqual(Math.ceil(fx.seed[lists].length / CONTRACT_PAGE_SIZE));
      }
    });

    // Providers that can read accounts one by one (Provider.observeAccounts) let apply
    // re-check a few changes without reading the whole directory.
    it('reads chosen accounts afresh: the whole observation narrowed to them, without listing the directory', async (ctx) => {
      const read = fx.provider.observeAccounts?.bind(fx.provider);
      if (!read) return ctx.skip();
      const remove = { account: account('u4', 'dan@acme.com'), group: group('g1', 'Engineering') };
      expect((await fx.provider.apply(aChange(name, 'remove_member', remove))).result).toBe('ok');
      const ids = ['u2', 'u4', 'u7', 'no-such-account'];
      const whole = await fx.provider.observe();
      fx.controls.counters.reset();
      const targeted = await read(ids);
      const narrowed: ObservedProvider = {
        ...whole,
        accounts: whole.accounts.filter((a) => ids.includes(a.id)),
        groups: whole.groups.map((g) => ({ ...g, members: g.members.filter((m) => ids.includes(m)) })).filter((g) => g.members.length > 0),
      };
      expect(targeted.accounts.map((a) => a.id).sort()).toEqual(['u2', 'u4', 'u7']);
      expect(normalised(targeted)).toEqual(normalised(narrowed));
      expect(membersOf(targeted, 'g1')).not.toContain('u4');
      // No account listing, and at most one read of the account and one of its groups each.
      for (const { key, lists } of fx.listEndpoints) if (lists === 'accounts') expect(fx.controls.counters.get(key), key).toBe(0);
      expect(fx.controls.counters.total('GET'), JSON.stringify(fx.controls.counters.snapshot())).toBeLessThanOrEqual(2 * ids.length);
    });

    it('suspends an account, and a second suspend is already done', async () => {
      expect((await suspendU2()).result).toBe('ok');
      expect(statusOf(fx.controls.inspect(), 'u2')).toBe('suspended');
      expect(statusOf(await fx.provider.observe(), 'u2')).toBe('suspended');
      expect((await suspendU2()).result).toBe('already');
    });

    it('removes and adds a member idempotently', async () => {
      const target = { account: account('u4', 'dan@acme.com'), group: group('g1', 'Engineering') };
      expect((await fx.provider.apply(aChange(name, 'remove_member', target))).result).toBe('ok');
      expect(membersOf(fx.controls.inspect(), 'g1')).not.toContain('u4');
      expect((await fx.provider.apply(aChange(name, 'remove_member', target))).result).toBe('already');
      expect((await fx.provider.apply(aChange(name, 'add_member', target))).result).toBe('ok');
      expect((await fx.provider.apply(aChange(name, 'add_member', target))).result).toBe('already');
      expect(membersOf(fx.controls.inspect(), 'g1').filter((m) => m === 'u4')).toHaveLength(1);
      const other = { account: account('u7', 'grace@acme.com'), group: group('g4', 'Empty') };
      expect((await fx.provider.apply(aChange(name, 'add_member', other))).result).toBe('ok');
      expect(membersOf(await fx.provider.observe(), 'g4')).toEqual(['u7']);
    });

    // Services without accounts to delete (Kubernetes subjects) skip the delete tests.
    it('deletes a suspended account once; deleting again is already done', async (ctx) => {
      if (!fx.automated.has('delete')) return ctx.skip();
      const del = aChange(name, 'delete', { account: account('u5', 'erin@acme.com') });
      expect((await fx.provider.apply(del)).result).toBe('ok');
      expect(fx.controls.inspect().accounts.map((x) => x.id)).not.toContain('u5');
      expect((await fx.provider.apply(del)).result).toBe('already');
    });

    it('refuses to delete an active account', async (ctx) => {
      if (!fx.automated.has('delete')) return ctx.skip();
      const e = await failure(fx.provider.apply(aChange(name, 'delete', { account: account('u6', 'frank@acme.com') })));
      expect(e.transient).toBe(false);
      expect(statusOf(fx.controls.inspect(), 'u6')).toBe('active');
    });

    it('refuses an action it does not automate, without calling the service', async (ctx) => {
      const action = (['revoke_sessions', 'transfer_ownership', 'reset_factors'] as const).find((a) => !fx.automated.has(a));
      if (!action) return ctx.skip();
      fx.controls.counters.reset();
      const e = await failure(fx.provider.apply(aChange(name, action, { account: account('u1', 'alice@acme.com') })));
      expect(e.transient).toBe(false);
      expect(e.message).toContain(action);
      expect(fx.controls.counters.total()).toBe(0);
    });

    // The leaver, in SPEC order: containment, group removal, transfer, delete. Every step
    // the provider automates is checked in the service's own state; a rerun of the whole
    // sequence changes nothing more and fails nowhere.
    it('contains, strips, transfers and deletes a leaver; a rerun converges with no new effect', async () => {
      const alice = account('u1', 'alice@acme.com');
      const creds = fx.controls.credentials;
      if (creds) {
        const before = creds('u1');
        expect(before.sessions).toBeGreaterThan(0);
        expect(before.tokens).toBeGreaterThan(0);
        expect(before.factors).toBeGreaterThan(0);
      }
      const steps: PlanChangeLike[] = [
        aChange(name, 'suspend', { account: alice }),
        ...(['revoke_sessions', 'revoke_tokens', 'reset_factors'] as const).filter((a) => fx.automated.has(a)).map((a) => aChange(name, a, { account: alice })),
        aChange(name, 'remove_member', { account: alice, group: group('g1', 'Engineering') }),
        aChange(name, 'remove_member', { account: alice, group: group('g3', 'Admins') }),
        ...(fx.automated.has('transfer_ownership') ? [aChange(name, 'transfer_ownership', { account: alice }, { transferTo: 'bob@acme.com' })] : []),
        ...(fx.automated.has('delete') ? [aChange(name, 'delete', { account: alice })] : []),
      ];
      for (const step of steps) {
        const done = step.action === 'remove_member' && fx.suspendRemovesMemberships ? ['ok', 'already'] : ['ok'];
        expect(done, step.action).toContain((await fx.provider.apply(step)).result);
        const state = fx.controls.inspect();
        if (step.action === 'suspend') expect(statusOf(state, 'u1')).toBe('suspended');
        if (step.action === 'remove_member') expect(membersOf(state, step.target.group!.id)).not.toContain('u1');
        if (creds && step.action === 'revoke_sessions') expect(creds('u1').sessions).toBe(0);
        if (creds && step.action === 'revoke_tokens') expect(creds('u1').tokens).toBe(0);
        if (creds && step.action === 'reset_factors') expect(creds('u1').factors).toBe(0);
        if (step.action === 'transfer_ownership') expect(fx.controls.transfers?.()).toContainEqual({ from: 'u1', to: 'u2' });
      }
      if (fx.automated.has('delete')) expect(fx.controls.inspect().accounts.map((x) => x.id)).not.toContain('u1');
      const after = fx.controls.inspect();
      for (const step of steps) expect(['ok', 'already'], step.action).toContain((await fx.provider.apply(step)).result);
      expect(normalised(fx.controls.inspect())).toEqual(normalised(after));
      expect(membersOf(after, 'g1').sort()).toEqual(['u2', 'u4']);
    });

    it('surfaces 429 as transient with Retry-After in seconds, then converges', async () => {
      inject({ ...fx.endpoints.writeAccount, fault: { kind: 'rate_limit', retryAfter: 7 } });
      const e = await failure(suspendU2());
      expect(e).toMatchObject({ transient: true, status: 429, retryAfterMs: 7000 });
      expect(statusOf(fx.controls.inspect(), 'u2')).toBe('active');
      expect((await suspendU2()).result).toBe('ok');
      expect((await suspendU2()).result).toBe('already');
    });

    it('reads Retry-After given as an HTTP date', async () => {
      const at = new Date(Date.now() + 60_000).toUTCString();
      inject({ ...fx.endpoints.readAccount, fault: { kind: 'rate_limit', retryAfter: at } });
      const e = await failure(suspendU2());
      expect(e.transient).toBe(true);
      expect(e.retryAfterMs).toBeGreaterThan(50_000);
      expect(e.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('surfaces 5xx as transient, then converges', async () => {
      inject({ ...fx.endpoints.writeGroup, fault: { kind: 'server_error', status: 503, retryAfter: 2 } });
      const target = { account: account('u2', 'bob@acme.com'), group: group('g1', 'Engineering') };
      const e = await failure(fx.provider.apply(aChange(name, 'remove_member', target)));
      expect(e).toMatchObject({ transient: true, status: 503, retryAfterMs: 2000 });
      expect(membersOf(fx.controls.inspect(), 'g1')).toContain('u2');
      expect((await fx.provider.apply(aChange(name, 'remove_member', target))).result).toBe('ok');
    });

    it('surfaces a connection reset as transient, then converges', async () => {
      inject({ ...fx.endpoints.writeAccount, fault: { kind: 'reset' } });
      const e = await failure(suspendU2());
      expect(e.transient).toBe(true);
      expect(e.status).toBeUndefined();
      expect((await suspendU2()).result).toBe('ok');
    });

    it('a lost answer after the effect converges with no duplicate effect', async () => {
      const target = { account: account('u6', 'frank@acme.com'), group: group('g2', 'Sales') };
      inject({ ...fx.endpoints.writeGroup, fault: { kind: 'reset' }, afterEffect: true });
      expect((await failure(fx.provider.apply(aChange(name, 'add_member', target)))).transient).toBe(true);
      expect((await fx.provider.apply(aChange(name, 'add_member', target))).result).toBe('already');
      expect(membersOf(fx.controls.inspect(), 'g2').filter((m) => m === 'u6')).toHaveLength(1);

      if (!fx.automated.has('delete')) return;
      inject({ ...fx.endpoints.deleteAccount, fault: { kind: 'server_error', status: 502 }, afterEffect: true });
      const del = aChange(name, 'delete', { account: account('u3', 'carol@acme.com') });
      expect((await failure(fx.provider.apply(del))).transient).toBe(true);
      expect((await fx.provider.apply(del)).result).toBe('already');
    });

    it('fails observe as transient when a page is rate limited, and observes fully after', async () => {
      const [method, path] = fx.listEndpoints.at(-1)!.key.split(' ') as [string, string];
      fx.controls.faults.set({ rules: [{ method, path, fault: { kind: 'rate_limit', retryAfter: 1 } }] });
      expect((await failure(fx.provider.observe())).transient).toBe(true);
      fx.controls.faults.clear();
      expect(normalised(await fx.provider.observe())).toEqual(normalised(fx.seed));
    });

    it('times out a slow answer as transient', async () => {
      await start({ timeoutMs: 150 });
      fx.controls.faults.set({ latency: { ms: 500, ...fx.endpoints.readAccount } });
      const e = await failure(suspendU2());
      expect(e.transient).toBe(true);
      fx.controls.faults.clear();
      expect((await suspendU2()).result).toBe('ok');
    });
  });
}
