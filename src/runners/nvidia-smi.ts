import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Talking to `nvidia-smi`: the query the harness asks, parsing its CSV, finding it on PATH. */

/** The fields asked of `nvidia-smi --query-gpu`, in this order. */
export const GPU_QUERY_FIELDS = 'index,name,driver_version,memory.total,memory.used,utilization.gpu,power.draw';

/** Arguments of one query (add `-lms <ms>` to repeat it). */
export const GPU_QUERY_ARGS = [`--query-gpu=${GPU_QUERY_FIELDS}`, '--format=csv,noheader,nounits'] as const;

/** One GPU as one line of the query reports it; a field the GPU does not report is null. */
export interface GpuRow {
  index: number;
  name: string;
  driver: string;
  /** Total memory (MiB). */
  memoryTotalMib: number | null;
  /** Memory in use (MiB). */
  memoryUsedMib: number | null;
  /** GPU utilisation over the driver's last sample period (%). */
  utilizationPct: number | null;
  /** Board power draw (W). */
  powerW: number | null;
}

/** A number, or null for `[N/A]`, `[Not Supported]`, `N/A` and other non-numbers; units (`MiB`, `W`, `%`) are stripped. */
function num(field: string): number | null {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:MiB|W|%)?\s*$/.exec(field);
  return m ? Number(m[1]) : null;
}

/** Parses one line of the query; null when it is not one (a header, an error message, a torn line). */
export function parseGpuLine(line: string): GpuRow | null {
  const parts = line.split(',').map((s) => s.trim());
  if (parts.length < 7) return null;
  // The name is the only field that could hold a comma: the first field and the last five are fixed.
  const index = num(parts[0]!);
  if (index === null || !Number.isInteger(index)) return null;
  const tail = parts.slice(-5);
  return {
    index,
    name: parts.slice(1, -5).join(', '),
    driver: tail[0]!,
    memoryTotalMib: num(tail[1]!),
    memoryUsedMib: num(tail[2]!),
    utilizationPct: num(tail[3]!),
    powerW: num(tail[4]!),
  };
}

/**
 * Parses the output of `nvidia-smi --query-gpu=<GPU_QUERY_FIELDS> --format=csv,noheader,nounits`
 * (one line per GPU, or per GPU and tick with `-lms`); lines that are not rows are skipped.
 */
export function parseGpuQuery(csv: string): GpuRow[] {
  return csv.split(/\r?\n/).map(parseGpuLine).filter((r): r is GpuRow => r !== null);
}

/** Path of an executable named `name` on PATH (as given in `env`), or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = join(dir, name + ext);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** The GPUs present now (one query), or why none can be listed. */
export type GpuQuery = { state: 'ok'; gpus: GpuRow[] } | { state: 'unavailable'; reason: string };

/** Lists the GPUs with one `nvidia-smi` query (at most `timeoutMs`, default 10 000 ms). */
export function queryGpus(opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): GpuQuery {
  const env = opts.env ?? process.env;
  const exe = findOnPath('nvidia-smi', env);
  if (!exe) return { state: 'unavailable', reason: 'nvidia-smi is not on PATH' };
  const r = spawnSync(exe, [...GPU_QUERY_ARGS], { env, encoding: 'utf8', timeout: opts.timeoutMs ?? 10_000 });
  if (r.error) return { state: 'unavailable', reason: `nvidia-smi failed: ${r.error.message}` };
  const gpus = parseGpuQuery(r.stdout ?? '');
  if (r.status !== 0 || gpus.length === 0) return { state: 'unavailable', reason: nvidiaSmiMessage(r.stdout, r.stderr, `nvidia-smi exited with ${r.status ?? r.signal}`) };
  return { state: 'ok', gpus };
}

/** The first line nvidia-smi printed (it prints its errors on stdout), for a reason; else `fallback`. */
export function nvidiaSmiMessage(stdout: string | null | undefined, stderr: string | null | undefined, fallback: string): string {
  const line = `${stderr ?? ''}\n${stdout ?? ''}`.split('\n').map((s) => s.trim()).find(Boolean);
  return line ? `nvidia-smi: ${line.slice(0, 200)}` : fallback;
}
