import { CATALOG_FILE } from './paths.ts';
import { readYamlFile } from '../core/yaml.ts';
import { CatalogSchema } from '../core/schemas.ts';
import { InputError } from '../core/errors.ts';
import type { IndexedItem, LoadedCatalog } from '../core/types.ts';

/** Loads and checks the indicator catalogue (ids follow dimension.domain.item and are unique). */
export async function loadCatalog(file = CATALOG_FILE): Promise<LoadedCatalog> {
  const cat = await readYamlFile(file, CatalogSchema, 'suites/catalog/catalog.yaml');
  const items = new Map<string, IndexedItem>();
  for (const dim of cat.dimensions) {
    for (const dom of dim.domains) {
      if (!dom.id.startsWith(`${dim.id}.`)) throw new InputError(`domain "${dom.id}" must start with "${dim.id}."`, { file });
      for (const it of dom.items) {
        if (!it.id.startsWith(`${dom.id}.`)) throw new InputError(`item "${it.id}" must start with "${dom.id}."`, { file });
        if (items.has(it.id)) throw new InputError(`item "${it.id}" is listed twice`, { file });
        if (it.method === 'measured' && !it.measure) throw new InputError(`measured item "${it.id}" names no measure`, { file });
        items.set(it.id, { ...it, dimension: dim.id, domain: dom.id, domainName: dom.name });
      }
    }
  }
  return { ...cat, items };
}
