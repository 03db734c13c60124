import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Adapter, CallContext, ModelRequest } from '../core/types.ts';
import { countTokens } from './adapters/openai.ts';

/** Options of the OpenAI-compatible server. */
export interface ServeOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Largest accepted request body (bytes); default 4 MiB. */
  maxBodyBytes?: number;
  /** Generated-token bound when the request gives no max_tokens; default 256. */
  defaultMaxTokens?: number;
  /**
   * Most chat completions in flight at once (default unlimited); one more answers HTTP 429 with a
   * JSON error and `Retry-After: 1`.
   */
  maxInflight?: number;
}

/** A running server. */
export interface RunningServer {
  server: Server;
  /** Base URL of the API, e.g. `http://127.0.0.1:8080/v1`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

type ChatMessage = { role: string; content: unknown };

/** Text of a message's content: a string, or the text parts of a content array. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' ? String((p as { text?: unknown }).text ?? '') : ''))
      .join('');
  }
  if (content === null || content === undefined) return '';
  throw new HttpError(400, 'message content must be a string or an array of text parts', 'invalid_request_error', 'invalid_content');
}

/**
 * The prompt handed to the adapter (whose request has one user message). One message: its content
 * unchanged, so `openai:` runs against this server ask the model exactly what a direct run asks.
 * Several: their contents in order, separated by blank lines (system first, as given).
 */
export function promptOf(messages: ChatMessage[]): string {
  const texts = messages.map((m) => contentText(m.content));
  return texts.length === 1 ? texts[0] : texts.filter((t) => t !== '').join('\n\n');
}

function parseBody(raw: string): { request: ModelRequest; stream: boolean; includeUsage: boolean; model?: string } & Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    throw new HttpError(400, `request body is not valid JSON (${(e as Error).message})`, 'invalid_request_error', 'invalid_json');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object', 'invalid_request_error', 'invalid_json');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    throw new HttpError(400, "'messages' is required: a non-empty array of {role, content}", 'invalid_request_error', 'missing_messages');
  }
  for (const m of b.messages) {
    if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
      throw new HttpError(400, "each message needs a string 'role' and a 'content'", 'invalid_request_error', 'invalid_messages');
    }
  }
  const num = (k: string, min: number, max: number): number | undefined => {
    const v = b[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new HttpError(400, `'${k}' must be a number in [${min}, ${max}]`, 'invalid_request_error', 'invalid_value');
    }
    return v;
  };
  const temperature = num('temperature', 0, 2) ?? 0;
  const maxTokens = num('max_completion_tokens', 1, 1 << 20) ?? num('max_tokens', 1, 1 << 20);
  const seed = num('seed', -(2 ** 53), 2 ** 53) ?? 0;
  const so = b.stream_options as { include_usage?: unknown } | undefined;
  if (b.model !== undefined && typeof b.model !== 'string') throw new HttpError(400, "'model' must be a string", 'invalid_request_error', 'invalid_value');
  return {
    request: { prompt: promptOf(b.messages as ChatMessage[]), temperature, maxTokens: Math.floor(maxTokens ?? 0), seed: Math.trunc(seed) },
    stream: b.stream === true,
    includeUsage: Boolean(so && typeof so === 'object' && so.include_usage === true),
    model: b.model as string | undefined,
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `request body is larger than ${limit} bytes`, 'invalid_request_error', 'body_too_large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: HttpError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.status, { error: { message: e.message, type: e.type, code: e.code } }, headers);
}

const ROUTES: Record<string, string[]> = {
  '/v1/chat/completions': ['POST'],
  '/v1/models': ['GET'],
  '/health': ['GET'],
  '/v1/health': ['GET'],
};

/**
 * The request handler of an OpenAI-compatible server over one adapter: POST /v1/chat/completions
 * (streaming SSE or not), GET /v1/models, GET /health. Errors are JSON `{error:{message,type,code}}`.
 * The client going away aborts the call through its signal.
 */
export function createServeHandler(adapter: Adapter, opts: ServeOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const info = adapter.describe();
  const created = Math.floor(Date.now() / 1000);
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const defaultMax = opts.defaultMaxTokens ?? 256;
  const maxInflight = opts.maxInflight ?? Infinity;
  let inflight = 0;

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseBody(await readBody(req, maxBody));
    if (parsed.model !== undefined && parsed.model !== info.id) {
      throw new HttpError(404, `The model '${parsed.model}' does not exist; this server serves '${info.id}'`, 'invalid_request_error', 'model_not_found');
    }
    const request: ModelRequest = { ...parsed.request, maxTokens: parsed.request.maxTokens || defaultMax };
    const ctrl = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ctrl.abort();
    });
    const id = `chatcmpl-${randomUUID()}`;
    const base = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: info.id };
    let emitted = '';
    const write = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const startStream = () => {
      if (res.headersSent) return;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      write({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    };
    const piece = (delta: string) => {
      if (!delta) return;
      startStream();
      emitted += delta;
      write({ ...base, choices: [{ index: 0, delta: { content: delta }, logprobs: null, finish_reason: null }] });
    };
    const ctx: CallContext = { signal: ctrl.signal, firstToken() {}, ...(parsed.stream ? { onToken: piece } : {}) };
    let reply;
    try {
      reply = await adapter.call(request, id, ctx);
    } catch (e) {
      if (ctrl.signal.aborted) return;
      if (parsed.stream && res.headersSent) {
        write({ error: { message: (e as Error).message, type: 'server_error', code: null } });
        res.end('data: [DONE]\n\n');
        return;
      }
      throw new HttpError(500, `the model failed: ${(e as Error).message}`, 'server_error', null);
    }
    const output = reply.output;
    const usage = {
      prompt_tokens: reply.usage?.inputTokens ?? countTokens(request.prompt),
      completion_tokens: reply.usage?.outputTokens ?? countTokens(output),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const finish = usage.completion_tokens >= request.maxTokens ? 'length' : 'stop';
    if (!parsed.stream) {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: base.created,
        model: info.id,
        choices: [{ index: 0, message: { role: 'assistant', content: output }, logprobs: null, finish_reason: finish }],
        usage,
      });
      return;
    }
    startStream();
    // What the adapter did not stream (all of it, for adapters without onToken) goes out in chunks.
    const rest = output.startsWith(emitted) ? output.slice(emitted.length) : '';
    const parts = Array.from(rest);
    for (let i = 0; i < parts.length; i += 16) piece(parts.slice(i, i + 16).join(''));
    write({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }] });
    if (parsed.includeUsage) write({ ...base, choices: [], usage });
    res.end('data: [DONE]\n\n');
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    const methods = ROUTES[path];
    const handle = async () => {
      if (!methods) throw new HttpError(404, `unknown route ${req.method} ${path}`, 'invalid_request_error', 'not_found');
      if (!methods.includes(req.method ?? '')) {
        res.setHeader('allow', methods.join(', '));
        throw new HttpError(405, `method ${req.method} is not allowed on ${path}; use ${methods.join(', ')}`, 'invalid_request_error', 'method_not_allowed');
      }
      if (path === '/health' || path === '/v1/health') return sendJson(res, 200, { status: 'ok', model: info.id });
      if (path === '/v1/chat/completions') {
        if (inflight >= maxInflight) {
          req.resume();
          return sendError(res, new HttpError(429, `too many requests in flight (at most ${maxInflight}); retry after 1 s`, 'rate_limit_error', 'rate_limit_exceeded'), { 'retry-after': '1' });
        }
        inflight++;
        res.once('close', () => void inflight--);
      }
      if (path === '/v1/models') {
        return sendJson(res, 200, {
          object: 'list',
          data: [{ id: info.id, object: 'model', created, owned_by: 'modelgrade', ...(info.digest ? { digest: info.digest } : {}) }],
        });
      }
      return chat(req, res);
    };
    handle().catch((e: unknown) => {
      sendError(res, e instanceof HttpError ? e : new HttpError(500, e instanceof Error ? e.message : String(e), 'server_error', null));
    });
  };
}

/** Starts the server (default 127.0.0.1, port 0 = a free one) and resolves once it listens. */
export function startServer(adapter: Adapter, opts: ServeOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer(createServeHandler(adapter, opts));
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
      const h = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        port,
        url: `http://${h}:${port}/v1`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
