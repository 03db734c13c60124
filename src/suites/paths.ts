import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Root of the installed modelgrade package (holds suites/, fixtures/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Built-in suites: `suites/<id>/suite.yaml`. */
export const SUITES_DIR = join(PACKAGE_ROOT, 'suites');
export const CATALOG_FILE = join(SUITES_DIR, 'catalog', 'catalog.yaml');
export const PROFILES_DIR = join(SUITES_DIR, 'profiles');
/** Embedded reference models: `fixtures/models/<name>/`. */
export const MODELS_DIR = join(PACKAGE_ROOT, 'fixtures', 'models');
