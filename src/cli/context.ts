import { loadCatalog } from '../suites/catalog.ts';
import { loadSuite } from '../suites/load.ts';
import { loadProfile } from '../suites/profile.ts';
import { taskChecker } from '../metrics/index.ts';
import type { LoadedCatalog, Profile, Suite } from '../core/types.ts';

/** Catalogue, suite and profile, loaded and cross-checked. */
export interface Loaded {
  catalog: LoadedCatalog;
  suite: Suite;
  profile: Profile;
}

/** Loads the catalogue, a suite (checked against the catalogue and the scorers) and a profile. */
export async function loadAll(suiteArg: string, profileArg?: string): Promise<Loaded> {
  const catalog = await loadCatalog();
  const items = new Set(catalog.items.keys());
  const suite = await loadSuite(suiteArg, { indicators: items, tasks: taskChecker });
  const profile = await loadProfile(profileArg ?? suite.profile ?? 'certification', items);
  return { catalog, suite, profile };
}
