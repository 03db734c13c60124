import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES_DIR } from './paths.ts';
import { readYamlFileWithLines } from '../core/yaml.ts';
import { ProfileSchema, type Profile } from '../core/schemas.ts';
import { InputError } from '../core/errors.ts';
import { didYouMean } from '../core/registry.ts';

/** Ids of the built-in grading profiles. */
export function builtinProfiles(): string[] {
  return readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Loads a grading profile by built-in id or by file path. */
export async function loadProfile(idOrFile: string, items?: ReadonlySet<string>): Promise<Profile> {
  let file: string;
  if (idOrFile.endsWith('.yaml') || idOrFile.endsWith('.yml') || idOrFile.includes('/')) {
    if (!existsSync(idOrFile)) throw new InputError(`profile file not found`, { file: idOrFile });
    file = idOrFile;
  } else {
    file = join(PROFILES_DIR, `${idOrFile}.yaml`);
    if (!existsSync(file)) throw new InputError(`unknown profile "${idOrFile}"${didYouMean(idOrFile, builtinProfiles())}`);
  }
  const { data: profile, lineOf } = await readYamlFileWithLines(file, ProfileSchema, file);
  const lv = profile.levels.map((l) => l.min);
  const down = lv.findIndex((m, i) => i > 0 && m <= lv[i - 1]);
  if (down > 0) throw new InputError(`levels must have ascending "min" (${profile.levels[down].id} ${lv[down]} ≤ ${profile.levels[down - 1].id} ${lv[down - 1]})`, { file, line: lineOf(['levels', down, 'min']), field: `levels.${down}.min` });
  if (items) {
    for (const [i, m] of profile.mandatory.entries()) {
      if (!items.has(m.item)) throw new InputError(`unknown item "${m.item}"${didYouMean(m.item, items)}`, { file, line: lineOf(['mandatory', i, 'item']), field: `mandatory.${i}.item` });
    }
    for (const id of Object.keys(profile.item_weights ?? {})) {
      if (!items.has(id)) throw new InputError(`unknown item "${id}"${didYouMean(id, items)}`, { file, line: lineOf(['item_weights', id]), field: `item_weights.${id}` });
    }
  }
  return profile;
}
