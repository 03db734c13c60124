import Handlebars from 'handlebars';
import type { Case, Suite } from '../core/types.ts';

/** Handlebars instance for prompts: no HTML escaping (prompts are not HTML), no prototype access. */
const hb = Handlebars.create();
hb.registerHelper('letter', (i: number) => String.fromCharCode(65 + i));

/** Helpers a prompt template may call: Handlebars' own block helpers and `letter`. */
const HELPERS = new Set(['each', 'if', 'unless', 'with', 'lookup', 'letter']);
/** Names that reach an object's prototype: refused anywhere in a template (path segment or string). */
const PROTO_NAMES = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

/**
 * Checks a prompt template before any case is asked: Handlebars syntax, only the known helpers,
 * no partials or decorators, and nothing that names a prototype member (`constructor`,
 * `__proto__`, …, as a path or a string argument). Returns the problem, or undefined when sound.
 */
export function checkTemplate(src: string): string | undefined {
  let ast: ReturnType<typeof hb.parse>;
  try {
    ast = hb.parse(src);
    hb.precompile(src, { noEscape: true, strict: false, knownHelpersOnly: false });
  } catch (e) {
    const lines = String((e as Error).message).split('\n');
    const detail = lines.find((l) => l.startsWith('Expecting')) ?? lines[0];
    return `Handlebars syntax error: ${detail.replace(/ - \d+:\d+$/, '')}${/on line \d+/.test(lines[0]) ? ` (${lines[0].replace(/^Parse error /, '').replace(/:$/, '')} of the template)` : ''}`;
  }
  let problem: string | undefined;
  const visit = (node: any): void => {
    if (problem || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const where = node.loc ? ` (line ${node.loc.start.line}, column ${node.loc.start.column + 1} of the template)` : '';
    switch (node.type) {
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'Decorator':
      case 'DecoratorBlock':
        problem = `partials and decorators are not allowed in prompt templates${where}`;
        return;
      case 'PathExpression': {
        const bad = (node.parts as string[]).find((p) => PROTO_NAMES.has(p));
        if (bad) problem = `"${node.original}" reaches a prototype member ("${bad}"), which prompt templates may not use${where}`;
        return;
      }
      case 'StringLiteral':
        if (PROTO_NAMES.has(node.value)) problem = `"${node.value}" names a prototype member, which prompt templates may not use${where}`;
        return;
      case 'MustacheStatement':
      case 'SubExpression':
      case 'BlockStatement': {
        const calls = node.params.length > 0 || (node.hash?.pairs?.length ?? 0) > 0 || node.type === 'SubExpression';
        const name = node.path?.type === 'PathExpression' ? node.path.original : undefined;
        if (calls && name !== undefined && !HELPERS.has(name) && !PROTO_NAMES.has(name.split('.')[0])) {
          problem = `unknown helper "${name}" (known: ${[...HELPERS].join(', ')})${where}`;
          return;
        }
        break;
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'loc' && k !== 'strip') visit(v);
  };
  visit(ast.body);
  return problem;
}

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
