/** Exit codes of the modelgrade CLI (a contract: outside checks rely on these numbers). */
export const EXIT = {
  ok: 0,
  /** A failed gate or verification. */
  failed: 1,
  /** Bad input or usage. */
  badInput: 2,
  /** Run completed but INVALID. */
  invalid: 3,
  /** Interrupted (SIGINT); the journal is kept for `--resume`. */
  interrupted: 130,
} as const;

/** Where in which file a problem was found. */
export interface Location {
  file?: string;
  /** 1-based line number. */
  line?: number;
  /** Dotted field path inside the record, e.g. `choices.2`. */
  field?: string;
}

/** Formats a location as `file:line field` for messages. */
export function formatLocation(loc: Location): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line ? `${loc.file}:${loc.line}` : loc.file);
  else if (loc.line) parts.push(`line ${loc.line}`);
  if (loc.field) parts.push(`field "${loc.field}"`);
  return parts.join(' ');
}

/** Bad input from the user (suite, model spec, option, bundle): exit code 2, one clear message. */
export class InputError extends Error {
  readonly exitCode = EXIT.badInput;
  constructor(message: string, readonly loc: Location = {}) {
    const where = formatLocation(loc);
    super(where ? `${where}: ${message}` : message);
    this.name = 'InputError';
  }
}

/** The run was interrupted; the journal is kept. */
export class InterruptedError extends Error {
  readonly exitCode = EXIT.interrupted;
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}
