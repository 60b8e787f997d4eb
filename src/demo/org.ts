import type { RosterRow } from '../types/index.js';
import { DEPARTMENT_NAMES } from './catalogue.js';
import type { Company, Org, ProviderSpec, StoryFacts } from './model.js';
import { DEFAULT_OBSERVATION_RATES, observeProviders, toInventory, toSnapshot } from './observed.js';
import { DEFAULT_RATES, generatePeople, type DemoPerson } from './people.js';
import { buildDocuments } from './policy.js';
import { resolveProviders } from './provider-styles.js';
import { createRandom } from './random.js';
import { buildRoleModel } from './roles.js';
import { castStory, injectStory } from './story.js';
import { storyFacts } from './story-facts.js';

export const DEFAULT_SEED = 20261120;
export const DEFAULT_COMPANY: Company = { name: 'Example', domain: 'example.com' };
export const STORY_COMPANY: Company = { name: 'Northwind', domain: 'northwind.example' };

export interface GenerateOrgOptions {
  readonly people: number;
  readonly providers: readonly ProviderSpec[];
  /** Every date is an offset from this instant; nothing reads the clock. */
  readonly now: Date;
  readonly seed?: number;
  /** Inject the demo story (needs at least 200 people and the story's providers, see storyProviders). */
  readonly story?: boolean;
  /** Northwind for the story, example.com otherwise. */
  readonly company?: Company;
}

/**
 * A deterministic organisation: roster, policy documents, manual inventories and the
 * observed state, all plain data. The same options give the same output byte for byte;
 * the time taken grows linearly with people × providers.
 *
 * Without the story the population has its usual churn (a few recent leavers still
 * holding access, dormant accounts, people on leave), so a plan has work to do; with it,
 * every deviation from policy is one the story planted and recorded in `story`.
 */
export function generateOrg(opts: GenerateOrgOptions & { story: true }): Org & { story: StoryFacts };
export function generateOrg(opts: GenerateOrgOptions): Org;
export function generateOrg(opts: GenerateOrgOptions): Org {
  const story = opts.story === true;
  const seed = opts.seed ?? DEFAULT_SEED;
  const company = opts.company ?? (story ? STORY_COMPANY : DEFAULT_COMPANY);
  if (Number.isNaN(opts.now.getTime())) throw new RangeError('now must be a valid date');
  if (story && opts.people < 200) throw new RangeError(`the demo story needs at least 200 people, got ${opts.people}`);

  const rates = story ? { ...DEFAULT_RATES, leave: 0, recentLeaver: 0 } : DEFAULT_RATES;
  const { people, book } = generatePeople(opts.people, company, opts.now, createRandom(seed, 'people'), rates);
  const providers = resolveProviders(opts.providers, company, DEPARTMENT_NAMES);
  const roles = buildRoleModel(people, providers, company);
  const cast = story ? castStory(people, book, company, opts.now, createRandom(seed, 'story')) : null;

  const observationRates = story ? { ...DEFAULT_OBSERVATION_RATES, dormant: 0 } : DEFAULT_OBSERVATION_RATES;
  const builders = observeProviders(people, roles, providers, opts.now, seed, observationRates);
  if (cast) injectStory(builders, cast, company, opts.now);
  const snapshot = toSnapshot(builders, opts.now);

  const documents = buildDocuments(company, roles, providers, cast);
  const inventories: Org['inventories'] = {};
  for (const p of providers) {
    const observed = snapshot.providers[p.name];
    if (p.type === 'manual' && observed) inventories[p.name] = toInventory(observed);
  }
  const protectedLogins = new Set(cast ? [cast.breakglassLogin.toLowerCase()] : []);
  return {
    company,
    roster: toRoster(people, company),
    documents,
    inventories,
    snapshot,
    story: cast ? storyFacts(cast, people, snapshot, company, protectedLogins, opts.now) : null,
  };
}

/** Rows as the HRIS exports them: sorted by employee id, every column present. */
function toRoster(people: readonly DemoPerson[], company: Company): RosterRow[] {
  const rows = people.map((p): RosterRow => ({
    employee_id: p.employeeId,
    email: p.email,
    aliases: p.aliases.join(';'),
    name: p.name,
    manager_email: p.manager?.email ?? '',
    department: p.department,
    title: p.title,
    employment_type: p.employmentType,
    status: p.status,
    end_date: p.endDate,
    org: company.name,
  }));
  return rows.sort((a, b) => (a.employee_id < b.employee_id ? -1 : a.employee_id > b.employee_id ? 1 : 0));
}
