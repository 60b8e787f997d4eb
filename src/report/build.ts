import type { Policy } from '../policy/model.js';
import { parseDuration } from '../policy/time.js';
import { expiryInstant } from '../policy/expiry.js';
import type { Person } from '../roster/model.js';
import type { Finding, JournalRecord, Plan } from '../types/index.js';
import { taskActionOf } from '../tasks/detail.js';
import { protectedMatcher } from '../plan/context.js';

const DAY_MS = 86_400_000;
/** Actions that contain a leaver: once all of a person's are done, the person is contained. */
const CONTAINMENT = new Set(['suspend', 'revoke_sessions', 'revoke_tokens', 'reset_factors']);
const DONE = new Set(['ok', 'already']);

export interface AccountLine {
  readonly provider: string;
  readonly login: string;
  readonly message: string;
}

export interface MttrStats {
  readonly count: number;
  readonly p50Seconds: number | null;
  readonly p90Seconds: number | null;
  readonly p95Seconds: number | null;
  readonly maxSeconds: number | null;
  readonly slaSeconds: number;
  /** The figures above over slaSeconds, by name (p50, p90, p95, max): every format marks them. */
  readonly overSla: readonly MttrFigure[];
  readonly breaches: readonly { readonly person: string; readonly seconds: number; readonly containedAt: string }[];
}

export type MttrFigure = 'p50' | 'p90' | 'p95' | 'max';
export const MTTR_FIGURES: readonly MttrFigure[] = ['p50', 'p90', 'p95', 'max'];

/** A tier's figure by name. */
export function mttrFigure(m: Pick<MttrStats, 'p50Seconds' | 'p90Seconds' | 'p95Seconds' | 'maxSeconds'>, f: MttrFigure): number | null {
  return f === 'p50' ? m.p50Seconds : f === 'p90' ? m.p90Seconds : f === 'p95' ? m.p95Seconds : m.maxSeconds;
}

export interface Report {
  readonly formatVersion: '1.0';
  readonly now: string;
  readonly policy: { readonly name: string; readonly commit: string | null };
  readonly formerWithAccess: readonly {
    readonly person: string;
    readonly terminatedAt: string | null;
    readonly daysSince: number | null;
    readonly accounts: readonly AccountLine[];
  }[];
  readonly orphans: readonly AccountLine[];
  /** Accounts in a company domain that match no person but are protected (break-glass, the reconciler itself): not orphans, listed apart. */
  readonly protectedUnmatched: readonly AccountLine[];
  readonly ghosts: readonly (AccountLine & { readonly person: string | null })[];
  readonly dormant: readonly (AccountLine & { readonly person: string | null; readonly lastSeen: string | null; readonly days: number | null })[];
  readonly exceptions: {
    readonly active: readonly ExceptionLine[];
    readonly expiring: readonly ExceptionLine[];
    readonly expired: readonly ExceptionLine[];
  };
  readonly mttrevoke: { readonly privileged: MttrStats; readonly standard: MttrStats };
  readonly automation: readonly { readonly provider: string; readonly automated: number; readonly manual: number; readonly coverage: number | null }[];
  readonly openTasks: readonly {
    readonly changeId: string;
    readonly provider: string;
    readonly person: string | null;
    readonly action: string;
    readonly since: string;
    readonly ageDays: number;
  }[];
  readonly licences: {
    readonly currency: string;
    readonly total: number;
    readonly byProvider: readonly { readonly provider: string; readonly seats: number; readonly seatPrice: number; readonly monthly: number }[];
  };
  /**
   * Per ISO week (its Monday): changesApplied counts the changes carried out (result ok);
   * alreadyDone the changes found already in effect (result already), which did no work.
   */
  readonly trends: readonly {
    readonly week: string;
    readonly changesApplied: number;
    readonly alreadyDone: number;
    readonly peopleContained: number;
    readonly medianMttrSeconds: number | null;
  }[];
}

export interface ExceptionLine {
  readonly name: string;
  readonly person: string;
  readonly grants: readonly string[];
  readonly expires: string;
  readonly daysLeft: number;
}

export interface ReportInputs {
  readonly plan: Plan;
  readonly policy: Policy;
  readonly people: readonly Person[];
  readonly journal: readonly JournalRecord[];
  readonly now: Date;
}

const line = (f: Finding): AccountLine => ({ provider: f.provider ?? '', login: f.account?.login ?? '', message: f.message });

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One contained leaver: when the trigger fired and when the last containment change was confirmed. */
interface Containment {
  readonly person: string;
  readonly tier: 'privileged' | 'standard';
  readonly triggerMs: number;
  readonly containedMs: number;
}

/**
 * Leavers contained, from the journal: for each person and trigger time, the moment the last
 * containment change (suspend, sessions, tokens, factors) was recorded done. Privileged when
 * any of those changes was.
 */
export function containments(journal: readonly JournalRecord[]): Containment[] {
  const byPerson = new Map<string, { person: string; triggerMs: number; containedMs: number; privileged: boolean; failed: boolean }>();
  for (const r of journal) {
    if (r.type !== 'change' || !r.person || !r.triggerAt || !r.action || !CONTAINMENT.has(r.action)) continue;
    const trigger = (r.reason as { trigger?: string } | null)?.trigger;
    if (trigger !== 'terminated' && trigger !== 'contract_end') continue;
    const key = `${r.person}\u0000${r.triggerAt}`;
    const at = Date.parse(r.time);
    const c = byPerson.get(key) ?? { person: r.person, triggerMs: Date.parse(r.triggerAt), containedMs: at, privileged: false, failed: false };
    if (DONE.has(r.result ?? '')) {
      c.containedMs = Math.max(c.containedMs, at);
      c.failed = false;
    } else c.failed = true;
    if (r.tier === 'privileged') c.privileged = true;
    byPerson.set(key, c);
  }
  return [...byPerson.values()]
    .filter((c) => !c.failed)
    .map((c) => ({ person: c.person, tier: c.privileged ? 'privileged' : 'standard', triggerMs: c.triggerMs, containedMs: c.containedMs }));
}

function mttr(list: readonly Containment[], slaSeconds: number): MttrStats {
  const seconds = list.map((c) => Math.max(0, (c.containedMs - c.triggerMs) / 1000)).sort((a, b) => a - b);
  const figures = { p50Seconds: percentile(seconds, 50), p90Seconds: percentile(seconds, 90), p95Seconds: percentile(seconds, 95), maxSeconds: seconds.at(-1) ?? null };
  const stats = { count: seconds.length, ...figures, slaSeconds, overSla: [] as MttrFigure[] };
  return {
    ...stats,
    overSla: MTTR_FIGURES.filter((f) => (mttrFigure(stats, f) ?? 0) > slaSeconds),
    breaches: list
      .map((c) => ({ person: c.person, seconds: Math.max(0, (c.containedMs - c.triggerMs) / 1000), containedAt: new Date(c.containedMs).toISOString() }))
      .filter((b) => b.seconds > slaSeconds)
      .sort((a, b) => b.seconds - a.seconds),
  };
}

/** Monday of the ISO week of `ms`, as a date. */
function weekOf(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day)).toISOString().slice(0, 10);
}

/**
 * The report an access owner and an auditor read (SPEC §13), from a plan (its findings:
 * what is wrong now), the policy (exceptions, seat prices, SLAs), the roster and the
 * journal (what was done, and how fast). Pure.
 */
export function buildReport({ plan, policy, people, journal, now }: ReportInputs): Report {
  const nowMs = now.getTime();
  const settings = policy.config.doc.spec.reports ?? {};
  const isProtected = protectedMatcher(policy);
  const unprotectedOrphan = (f: Finding) => !(f.kind === 'orphan' && f.provider && f.account && isProtected(f.provider, f.account.login));
  const byKind = (kind: Finding['kind']) => plan.findings.filter((f) => f.kind === kind && unprotectedOrphan(f));
  const personOf = new Map(people.map((p) => [p.email.toLowerCase(), p]));

  const former = new Map<string, AccountLine[]>();
  for (const f of byKind('former_with_access')) {
    const key = f.person ?? f.account?.login ?? '';
    former.set(key, [...(former.get(key) ?? []), line(f)]);
  }
  const formerWithAccess = [...former]
    .map(([person, accounts]) => {
      const endAt = personOf.get(person.toLowerCase())?.endAt ?? null;
      return {
        person,
        terminatedAt: endAt === null ? null : new Date(endAt).toISOString(),
        daysSince: endAt === null ? null : Math.floor((nowMs - endAt) / DAY_MS),
        accounts,
      };
    })
    .sort((a, b) => (b.daysSince ?? 0) - (a.daysSince ?? 0) || a.person.localeCompare(b.person));

  const expiringMs = parseDuration(settings.expiringWithin ?? '14d');
  const exceptionLines = policy.exceptions.map((e) => {
    const expiresMs = expiryInstant(e.doc.spec.expires);
    return {
      name: e.doc.metadata.name,
      person: e.doc.spec.person,
      grants: e.doc.spec.grants.map((g) => `${g.provider}/${g.group}`),
      expires: e.doc.spec.expires,
      daysLeft: Math.floor((expiresMs - nowMs) / DAY_MS),
      expiresMs,
    };
  });
  const strip = ({ expiresMs: _x, ...rest }: (typeof exceptionLines)[number]): ExceptionLine => rest;

  const sla = { privileged: parseDuration(settings.sla?.privileged ?? '1h') / 1000, standard: parseDuration(settings.sla?.standard ?? '24h') / 1000 };
  const contained = containments(journal);

  const automation = new Map<string, { automated: Set<string>; manual: Set<string> }>();
  const tasks = new Map<string, { changeId: string; provider: string; person: string | null; action: string; since: string; done: boolean }>();
  for (const r of journal) {
    if (r.type !== 'change' || !r.provider || !r.changeId) continue;
    const a = automation.get(r.provider) ?? { automated: new Set(), manual: new Set() };
    automation.set(r.provider, a);
    if (r.action === 'task') {
      a.manual.add(r.changeId);
      const t = tasks.get(r.changeId) ?? {
        changeId: r.changeId,
        provider: r.provider,
        person: r.person ?? null,
        action: taskActionOf(r.detail),
        since: r.time,
        done: false,
      };
      if (DONE.has(r.result ?? '')) t.done = true;
      tasks.set(r.changeId, t);
    } else if (DONE.has(r.result ?? '')) a.automated.add(r.changeId);
  }

  const prices = settings.seatPrices ?? {};
  const seats = new Map<string, number>();
  // One seat per account: a ghost account is also a former employee's account with access.
  const counted = new Set<string>();
  for (const f of [...byKind('former_with_access'), ...byKind('orphan'), ...byKind('dormant'), ...byKind('ghost_account')]) {
    const key = `${f.provider}\u0000${f.account?.id ?? f.id}`;
    if (!f.provider || prices[f.provider] === undefined || counted.has(key)) continue;
    counted.add(key);
    seats.set(f.provider, (seats.get(f.provider) ?? 0) + 1);
  }
  const byProvider = [...seats]
    .map(([provider, n]) => ({ provider, seats: n, seatPrice: prices[provider]!, monthly: round2(n * prices[provider]!) }))
    .sort((a, b) => b.monthly - a.monthly);

  const weeks = new Map<string, { changes: number; already: number; mttr: number[] }>();
  for (const r of journal) {
    if (r.type !== 'change' || !DONE.has(r.result ?? '')) continue;
    const w = weekOf(Date.parse(r.time));
    const e = weeks.get(w) ?? { changes: 0, already: 0, mttr: [] };
    if (r.result === 'ok') e.changes++;
    else e.already++;
    weeks.set(w, e);
  }
  for (const c of contained) {
    const w = weekOf(c.containedMs);
    const e = weeks.get(w) ?? { changes: 0, already: 0, mttr: [] };
    e.mttr.push((c.containedMs - c.triggerMs) / 1000);
    weeks.set(w, e);
  }

  return {
    formatVersion: '1.0',
    now: now.toISOString(),
    policy: { name: plan.policy.name, commit: plan.policy.commit },
    formerWithAccess,
    orphans: byKind('orphan').map(line),
    protectedUnmatched: plan.findings.filter((f) => f.kind === 'orphan' && !unprotectedOrphan(f)).map(line),
    ghosts: byKind('ghost_account').map((f) => ({ ...line(f), person: f.person ?? null })),
    dormant: byKind('dormant').map((f) => ({ ...line(f), person: f.person ?? null, lastSeen: f.since ?? null, days: f.days ?? null })),
    exceptions: {
      active: exceptionLines.filter((e) => e.expiresMs > nowMs + expiringMs).map(strip),
      expiring: exceptionLines.filter((e) => e.expiresMs > nowMs && e.expiresMs <= nowMs + expiringMs).map(strip),
      expired: exceptionLines.filter((e) => e.expiresMs <= nowMs).map(strip),
    },
    mttrevoke: {
      privileged: mttr(
        contained.filter((c) => c.tier === 'privileged'),
        sla.privileged,
      ),
      standard: mttr(
        contained.filter((c) => c.tier === 'standard'),
        sla.standard,
      ),
    },
    automation: [...automation]
      .map(([provider, a]) => ({
        provider,
        automated: a.automated.size,
        manual: a.manual.size,
        coverage: a.automated.size + a.manual.size ? round2(a.automated.size / (a.automated.size + a.manual.size)) : null,
      }))
      .sort((x, y) => x.provider.localeCompare(y.provider)),
    openTasks: [...tasks.values()]
      .filter((t) => !t.done)
      .map(({ done: _d, ...t }) => ({ ...t, ageDays: Math.floor((nowMs - Date.parse(t.since)) / DAY_MS) }))
      .sort((a, b) => b.ageDays - a.ageDays),
    licences: { currency: settings.currency ?? 'USD', total: round2(byProvider.reduce((n, p) => n + p.monthly, 0)), byProvider },
    trends: [...weeks]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([week, e]) => ({
        week,
        changesApplied: e.changes,
        alreadyDone: e.already,
        peopleContained: e.mttr.length,
        medianMttrSeconds: percentile(
          [...e.mttr].sort((a, b) => a - b),
          50,
        ),
      })),
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
