import { defineScorer } from './scorer.ts';
import type { Case } from '../core/types.ts';

/**
 * Regular-expression match: the reply passes when the case's `pattern` (ECMAScript syntax, with the
 * optional `flags`) matches somewhere in it — a search, not a full match: anchor with ^ and $ to match
 * the whole reply. The reply is taken as it is, except that surrounding whitespace is trimmed.
 * Flags: d i m s u v (g and y are refused: they make matching stateful).
 */

const cache = new Map<string, RegExp>();

/** The compiled pattern, or a message naming what is wrong with it. */
export function compilePattern(pattern: string, flags = ''): RegExp | string {
  const key = `${flags}/${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const bad = [...flags].filter((f) => !'dimsuv'.includes(f));
  if (bad.length) return `flag${bad.length > 1 ? 's' : ''} ${bad.map((f) => `"${f}"`).join(', ')} not allowed (use d, i, m, s, u, v; g and y make matching stateful)`;
  if (new Set(flags).size !== flags.length) return `flags ${JSON.stringify(flags)} repeat a flag`;
  try {
    const re = new RegExp(pattern, flags);
    cache.set(key, re);
    return re;
  } catch (e) {
    return (e as Error).message;
  }
}

export const regex = defineScorer({
  id: 'regex',
  check(c: Case) {
    if (typeof c.pattern !== 'string' || c.pattern === '') return { field: 'pattern', message: 'a regex case needs "pattern" (an ECMAScript regular expression)' };
    if (c.flags !== undefined && typeof c.flags !== 'string') return { field: 'flags', message: 'flags must be a string such as "i" or "ms"' };
    const re = compilePattern(c.pattern, c.flags);
    if (typeof re === 'string') {
      if (/flag/i.test(re) && !/^Invalid regular expression: \//.test(re)) return { field: 'flags', message: `flags ${JSON.stringify(c.flags)}: ${re}` };
      return { field: 'pattern', message: `pattern ${JSON.stringify(c.pattern)} does not compile: ${re.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}` };
    }
    return undefined;
  },
  request: () => ({ maxTokens: 128 }),
  score(c, reply) {
    const re = compilePattern(c.pattern!, c.flags);
    if (typeof re === 'string') {
      return { caseId: c.id, indicator: c.indicator, value: 0, pass: false, reason: `pattern does not compile: ${re}` };
    }
    const m = re.exec(reply.output.trim());
    const shown = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
    return {
      caseId: c.id,
      indicator: c.indicator,
      value: m ? 1 : 0,
      pass: !!m,
      reason: m ? `matched ${shown(m[0])} at ${m.index}` : `no match for /${c.pattern}/${c.flags ?? ''}`,
    };
  },
});
