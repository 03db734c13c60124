import Handlebars from 'handlebars';
import type { Case, Suite } from '../core/types.ts';

/** Handlebars instance for prompts: no HTML escaping (prompts are not HTML), no prototype access. */
const hb = Handlebars.create();
hb.registerHelper('letter', (i: number) => String.fromCharCode(65 + i));

const RUNTIME: Handlebars.RuntimeOptions = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

/** Compiled prompt templates of one suite, keyed by `task:lang`. */
export type PromptRenderer = (c: Case) => string;

/**
 * Compiles a suite's prompt templates (from strings only, never from an AST object) and returns
 * a renderer. Case fields are available as `{{input}}`, `{{#each choices}}`, `{{letter @index}}`.
 */
export function promptRenderer(suite: Pick<Suite, 'prompts'>): PromptRenderer {
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  for (const [task, byLang] of Object.entries(suite.prompts)) {
    for (const lang of ['zh', 'en'] as const) {
      const src = byLang[lang];
      if (typeof src !== 'string') throw new Error('prompt template must be a string');
      compiled.set(`${task}:${lang}`, hb.compile(src, { noEscape: true, strict: false, knownHelpersOnly: false }));
    }
  }
  return (c) => {
    const t = compiled.get(`${c.task}:${c.lang}`);
    if (!t) throw new Error(`no prompt for ${c.task}:${c.lang}`);
    return t({ input: c.input, choices: c.choices ?? [], id: c.id }, RUNTIME);
  };
}
