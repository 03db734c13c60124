import { InputError } from './errors.ts';

/** Levenshtein edit distance (characters). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Names among `known` close enough to `name` to suggest, nearest first. */
export function suggest(name: string, known: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...known]
    .map((k) => ({ k, d: editDistance(name.toLowerCase(), k.toLowerCase()) }))
    .filter(({ k, d }) => d <= limit || k.startsWith(name) || name.startsWith(k))
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, max)
    .map(({ k }) => k);
}

/** " (did you mean "x"?)" or "" */
export function didYouMean(name: string, known: Iterable<string>): string {
  const s = suggest(name, known);
  return s.length ? ` (did you mean ${s.map((x) => `"${x}"`).join(' or ')}?)` : '';
}

/**
 * A named registry of handlers (scorers, adapters, formats). Registering a name twice throws;
 * looking up an unknown name throws an InputError that suggests near matches.
 */
export class Registry<T> {
  private readonly items = new Map<string, T>();
  constructor(readonly kind: string) {}

  register(name: string, item: T): T {
    if (this.items.has(name)) throw new Error(`${this.kind} "${name}" is registered twice`);
    this.items.set(name, item);
    return item;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  get(name: string, loc?: ConstructorParameters<typeof InputError>[1]): T {
    const item = this.items.get(name);
    if (item === undefined) {
      throw new InputError(`unknown ${this.kind} "${name}"${didYouMean(name, this.items.keys())}`, loc);
    }
    return item;
  }

  names(): string[] {
    return [...this.items.keys()].sort();
  }
}
