import type { Snapshot } from '../types/index.js';
import type { Org, ProviderSpec, StoryFacts } from './model.js';
import { DEFAULT_SEED, STORY_COMPANY, generateOrg } from './org.js';
import { STORY_PEOPLE, storyProviders } from './story.js';

/**
 * The instant the committed `policies/` folder was generated at. Its roster's end
 * dates and exception expiries are offsets from it, so plans over the committed
 * folder reproduce with `--now 2026-11-20T09:00:00Z`.
 */
export const DEMO_NOW = '2026-11-20T09:00:00Z';

export const DEMO_PROVIDERS: readonly ProviderSpec[] = storyProviders(STORY_COMPANY);

/** Northwind with the story, as of `now` (the committed policy is `demoOrg()`). */
export function demoOrg(now: Date = new Date(DEMO_NOW)): Org & { story: StoryFacts } {
  return generateOrg({ people: STORY_PEOPLE, providers: DEMO_PROVIDERS, now, seed: DEFAULT_SEED, story: true });
}

/**
 * The observed state the sandbox seeds its emulators with. It matches the policy of
 * `demoOrg(now)` for the same `now`; with the default it matches `policies/`.
 */
export function demoSnapshot(now: Date = new Date(DEMO_NOW)): Snapshot {
  return demoOrg(now).snapshot;
}
