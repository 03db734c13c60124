import { EXIT, InputError } from '../../core/errors.ts';
import { DEFAULT_MODEL, openModel, parseModelSpec } from '../../runners/models.ts';
import { startServer } from '../../runners/serve.ts';
import { MODELS_DIR } from '../../suites/paths.ts';

/** `serve` options as given on the command line. */
export interface ServeCommandOptions {
  model?: string;
  port?: string;
  host?: string;
  device?: string;
  maxInflight?: string;
}

/**
 * `modelgrade serve`: an OpenAI-compatible HTTP server over any model spec, bound to 127.0.0.1 by
 * default. Prints the base URL (one line, `Serving <model> at <url>`), then serves until interrupted.
 */
export async function serveCommand(
  o: ServeCommandOptions,
  io: { out: (s: string) => void; err: (s: string) => void; signal: AbortSignal },
): Promise<number> {
  const port = o.port === undefined ? 8000 : Number(o.port);
  if (!/^\d+$/.test(o.port ?? '0') || port > 65535) throw new InputError(`must be a port number 0..65535, got "${o.port}"`, { field: '--port' });
  if (o.maxInflight !== undefined && (!/^\d+$/.test(o.maxInflight) || Number(o.maxInflight) < 1)) {
    throw new InputError(`must be a whole number ≥ 1, got "${o.maxInflight}"`, { field: '--max-inflight' });
  }
  const maxInflight = o.maxInflight === undefined ? undefined : Number(o.maxInflight);
  const spec = parseModelSpec(o.model ?? DEFAULT_MODEL, MODELS_DIR);
  const adapter = await openModel(spec, { device: o.device ?? 'cpu' });
  try {
    let server;
    try {
      server = await startServer(adapter, { host: o.host ?? '127.0.0.1', port, maxInflight });
    } catch (e) {
      throw new InputError(`cannot listen on ${o.host ?? '127.0.0.1'}:${port} (${(e as Error).message})`, { field: '--port' });
    }
    io.out(`Serving ${adapter.describe().id} at ${server.url}  (POST ${server.url}/chat/completions, GET ${server.url}/models, GET ${server.url.replace(/\/v1$/, '')}/health)`);
    if (!io.signal.aborted) await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    await server.close();
    io.err('server stopped');
    return EXIT.ok;
  } finally {
    await adapter.close();
  }
}
