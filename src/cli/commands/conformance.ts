import { resolve } from 'node:path';
import { EXIT, InputError } from '../../core/errors.ts';
import { checkEndpoint, conformanceMeasurements, type CheckOptions, type ConformanceResult } from '../../runners/conformance.ts';
import { addMeasurements } from '../../runners/measurements.ts';
import { ensureDir } from '../../reports/bundle.ts';
import type { Measurement } from '../../core/types.ts';

/** `conformance` options as given on the command line. */
export interface ConformanceCommandOptions {
  modelName?: string;
  apiKeyEnv?: string;
  /** Limit per request (ms), as text. */
  timeout?: string;
  json?: boolean;
  out?: string;
}

/** Default limit per request of the conformance checks (ms). */
export const CONFORMANCE_TIMEOUT_MS = 30_000;

/** The base URL as an http(s) URL without a trailing slash; InputError (field `<base-url>`) otherwise. */
export function checkBaseUrl(u: string): string {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw new InputError(`not a URL: "${u}" (expected e.g. http://127.0.0.1:8000/v1)`, { field: '<base-url>' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`must be an http:// or https:// URL, got "${u}"`, { field: '<base-url>' });
  return u.replace(/\/+$/, '');
}

/**
 * Checks the endpoint and adds its measurements (application.maturity.api-conformance,
 * application.management.health, application.management.rate-limit) and the raw result (section
 * `conformance`) to the bundle folder `dir`. For `run` with an `openai:` model. An unreachable
 * endpoint adds nothing. The key is only sent, never written.
 */
export async function recordConformance(dir: string, baseUrl: string, opts: CheckOptions): Promise<{ result: ConformanceResult; measurements: Measurement[] }> {
  const result = await checkEndpoint(baseUrl, opts);
  const measurements = conformanceMeasurements(result);
  if (result.state === 'checked') {
    ensureDir(dir);
    addMeasurements(dir, measurements, { conformance: result });
  }
  return { result, measurements };
}

const MARK = { passed: '✓', failed: '✗', skipped: '–' } as const;

/** The result in lines for the console: one per check, then a summary. */
export function formatConformance(r: ConformanceResult): string[] {
  if (r.state === 'unreachable') return [`${r.baseUrl}: unreachable (${r.message})`];
  const w = Math.max(...r.checks.map((c) => c.id.length));
  const lines = [`Conformance of ${r.baseUrl}${r.model ? ` (model "${r.model}")` : ''}`];
  for (const c of r.checks) lines.push(`  ${MARK[c.state]} ${c.id.padEnd(w)}  ${c.detail}`);
  const applicable = r.counts.passed + r.counts.failed;
  lines.push(`${r.counts.passed} of ${applicable} applicable checks passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped`);
  return lines;
}

/**
 * `modelgrade conformance <base-url>`: checks an OpenAI-compatible endpoint. Exit 0 when every
 * applicable check passed, 1 when some failed, 2 when the endpoint is unreachable or the input bad.
 */
export async function conformanceCommand(baseUrl: string, o: ConformanceCommandOptions, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const base = checkBaseUrl(baseUrl);
  if (o.timeout !== undefined && (!/^\d+$/.test(o.timeout) || Number(o.timeout) < 1)) throw new InputError(`must be a whole number of ms ≥ 1, got "${o.timeout}"`, { field: '--timeout' });
  const timeoutMs = o.timeout === undefined ? CONFORMANCE_TIMEOUT_MS : Number(o.timeout);
  const apiKey = o.apiKeyEnv ? process.env[o.apiKeyEnv] : undefined;
  if (o.apiKeyEnv && !apiKey) throw new InputError(`the environment variable ${o.apiKeyEnv} is not set or empty`, { field: '--api-key-env' });
  const opts: CheckOptions = { modelName: o.modelName, apiKey, timeoutMs };
  const { result } = o.out ? await recordConformance(resolve(o.out), base, opts) : { result: await checkEndpoint(base, opts) };
  if (result.state === 'unreachable') {
    if (o.json) io.out(JSON.stringify(result, null, 2));
    throw new InputError(`${result.message}; is the server running?`, { field: '<base-url>' });
  }
  if (o.json) io.out(JSON.stringify(result, null, 2));
  else for (const l of formatConformance(result)) io.out(l);
  if (o.out && !o.json) io.err(`measurements added to ${resolve(o.out, 'measurements.json')}`);
  return result.counts.failed === 0 ? EXIT.ok : EXIT.failed;
}
