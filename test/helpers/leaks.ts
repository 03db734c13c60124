import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The forms a planted secret may leak in: as is, base64 and base64url (e.g. inside a logged header or token). */
export function secretForms(secret: string): string[] {
  const b64 = Buffer.from(secret, 'utf8').toString('base64');
  const b64url = Buffer.from(secret, 'utf8').toString('base64url');
  // Unpadded base64 too (padding depends on length); both forms of `Bearer <secret>` are covered by the bare one.
  return [...new Set([secret, b64, b64.replace(/=+$/, ''), b64url])];
}

/** Every file under the given folders (recursively; links not followed). */
export function filesUnder(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      const s = statSync(p, { throwIfNoEntry: false });
      if (s?.isDirectory()) walk(p);
      else if (s?.isFile()) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

/**
 * Where a planted secret shows up: the files under `dirs` and the named texts (stdout, stderr, …)
 * holding it in any of its secretForms. Empty when nothing leaked.
 */
export function findLeaks(secret: string, where: { dirs?: string[]; texts?: Record<string, string> }): string[] {
  const forms = secretForms(secret);
  const hits: string[] = [];
  for (const f of filesUnder(...(where.dirs ?? []))) {
    const bytes = readFileSync(f);
    const form = forms.find((x) => bytes.includes(x));
    if (form) hits.push(`${f} (${form === secret ? 'as is' : 'base64'})`);
  }
  for (const [name, text] of Object.entries(where.texts ?? {})) {
    const form = forms.find((x) => text.includes(x));
    if (form) hits.push(`${name} (${form === secret ? 'as is' : 'base64'})`);
  }
  return hits;
}
