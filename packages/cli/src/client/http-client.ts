// A small typed client for the Trunkflow HTTP API: JSON in and out, a timeout, and every failure mapped to an exit code.
import * as z from 'zod';
import { UsageError } from '../errors.js';

/** Where the token came from, so a refusal can say which setting to fix. */
export type TokenSource = 'flag' | 'env' | 'stored';

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The server answered, and refused or failed. Exit code 1 for a refused action (403, 404, 409, 5xx);
 * 2 for input or credentials the user must fix first (400, 401, 413).
 */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** HTTP status, or null when there was no usable answer. */
    readonly status: number | null,
    /** The server's stable error code (`conflict`, `forbidden`, …), or `client` for a failure on this side. */
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ServerError';
  }

  /** One line per reason or conflicting path the server gave, for printing below the message. */
  get lines(): string[] {
    const lines: string[] = [];
    const reasons = z.array(z.looseObject({ message: z.string() })).safeParse(this.details.reasons);
    if (reasons.success) lines.push(...reasons.data.map((reason) => reason.message));
    const paths = z.array(z.string()).safeParse(this.details.paths);
    if (paths.success) lines.push(...paths.data);
    return lines;
  }
}

// Shapes the CLI depends on. Objects are loose: fields the CLI does not read pass through to --format json.
const errorEnvelope = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

const tokenSchema = z.looseObject({
  id: z.string(),
  label: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const userSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.string(),
  createdAt: z.string(),
});
export const userWithTokenSchema = z.looseObject({ user: userSchema, token: z.string() });
export const meSchema = z.looseObject({ id: z.string(), name: z.string(), role: z.string() });
export const membershipSchema = z.looseObject({ project: z.string(), user: z.string(), role: z.string() });
export const projectSchema = z.looseObject({
  name: z.string(),
  trunk: z.string(),
  gitUrl: z.string(),
  // Absent from servers older than visibility, whose projects were all readable by every user.
  visibility: z.string().default('internal'),
});

export const pullSchema = z.looseObject({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.string(),
  draft: z.boolean(),
  head: z.string(),
  headSha: z.string().nullish(),
  base: z.string(),
  author: z.string(),
  taskKey: z.string().nullish(),
  mergeSha: z.string().nullish(),
  url: z.string().nullish(),
});

export const findingSchema = z.looseObject({
  id: z.string(),
  status: z.enum(['pass', 'warn', 'fail', 'skip']),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).default({}),
});

export const checksSchema = z.looseObject({
  sha: z.string(),
  ok: z.boolean(),
  findings: z.array(findingSchema),
  /** Set when trunkflow.yml at this sha is invalid: the rules ran with the defaults. */
  configError: z.string().nullish(),
});

/** What a PR's detail carries of its latest checks: the verdict and the failing rule ids, not the findings. */
export const checksSummarySchema = z.looseObject({
  sha: z.string(),
  ok: z.boolean(),
  failing: z.array(z.string()).default([]),
  configError: z.string().nullish(),
});

export const reviewSchema = z.looseObject({
  verdict: z.string(),
  author: z.string().optional(),
  reviewer: z.string().optional(),
  body: z.string().nullish(),
  dismissed: z.boolean().optional(),
});

export const pullDetailSchema = pullSchema.extend({
  reviews: z.array(reviewSchema).default([]),
  checks: checksSummarySchema.nullish(),
});

export const mergeResultSchema = z.looseObject({ merged: z.literal(true), sha: z.string(), number: z.number().int() });

export type User = z.output<typeof userSchema>;
export type Me = z.output<typeof meSchema>;
export type Project = z.output<typeof projectSchema>;
export type Pull = z.output<typeof pullSchema>;
export type PullDetail = z.output<typeof pullDetailSchema>;
export type Checks = z.output<typeof checksSchema>;
export type Review = z.output<typeof reviewSchema>;
export type PullState = 'open' | 'closed' | 'merged' | 'all';
export type Verdict = 'approve' | 'request_changes' | 'comment';

export interface NewProject {
  name: string;
  trunk?: string;
  allowDirectTrunkPush?: boolean;
  dismissStaleApprovals?: boolean;
  requiredApprovals?: number;
  visibility?: 'internal' | 'private';
}

export interface NewPull {
  head: string;
  title: string;
  body?: string;
  draft?: boolean;
  base?: string;
}

/** A PR edit: either field, or both. */
export interface PullEdit {
  title?: string;
  body?: string;
}

export interface ClientOptions {
  /** Base URL without a trailing slash, e.g. http://localhost:4400. */
  server: string;
  token: string;
  tokenSource: TokenSource;
  timeoutMs?: number;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The system error code (or, failing that, the innermost message) under fetch's "fetch failed". */
function networkCause(error: unknown): { code?: string; message: string } {
  let cause: unknown = error;
  let message = (error as Error).message;
  for (let depth = 0; depth < 5 && cause !== null && typeof cause === 'object'; depth++) {
    const { code, errors, message: text } = cause as { code?: unknown; errors?: unknown; message?: unknown };
    if (typeof text === 'string' && text !== '') message = text;
    if (typeof code === 'string') return { code, message };
    // Several addresses tried (IPv6 and IPv4) give an AggregateError: the first says enough.
    cause = Array.isArray(errors) && errors.length > 0 ? errors[0] : (cause as { cause?: unknown }).cause;
  }
  return { message };
}

const seg = (value: string | number) => encodeURIComponent(String(value));

export class TrunkflowClient {
  readonly server: string;
  private readonly token: string;
  private readonly tokenSource: TokenSource;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.server = options.server;
    this.token = options.token;
    this.tokenSource = options.tokenSource;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  me(): Promise<Me> {
    return this.request('GET', '/api/me', meSchema);
  }

  createUser(name: string, role: string, email?: string) {
    const body = email === undefined ? { name, role } : { name, role, email };
    return this.request('POST', '/api/admin/users', userWithTokenSchema, body);
  }

  updateUser(name: string, changes: { email: string }): Promise<User> {
    return this.request('PATCH', `/api/admin/users/${seg(name)}`, userSchema, changes);
  }

  async listUsers(): Promise<User[]> {
    return (await this.request('GET', '/api/admin/users', z.looseObject({ users: z.array(userSchema) }))).users;
  }

  createToken(user: string, label: string | undefined) {
    const body = label === undefined ? {} : { label };
    return this.request('POST', `/api/admin/users/${seg(user)}/tokens`, userWithTokenSchema, body);
  }

  async listTokens(user: string) {
    const schema = z.looseObject({ tokens: z.array(tokenSchema) });
    return (await this.request('GET', `/api/admin/users/${seg(user)}/tokens`, schema)).tokens;
  }

  revokeToken(id: string) {
    return this.request('DELETE', `/api/admin/tokens/${seg(id)}`, tokenSchema);
  }

  setMember(project: string, user: string, role: string) {
    return this.request('PUT', `/api/projects/${seg(project)}/members/${seg(user)}`, membershipSchema, { role });
  }

  createProject(input: NewProject): Promise<Project> {
    return this.request('POST', '/api/projects', projectSchema, input);
  }

  async listProjects(): Promise<Project[]> {
    return (await this.request('GET', '/api/projects', z.looseObject({ projects: z.array(projectSchema) }))).projects;
  }

  openPull(project: string, input: NewPull): Promise<Pull> {
    return this.request('POST', `/api/projects/${seg(project)}/pulls`, pullSchema, input);
  }

  async listPulls(project: string, state: PullState): Promise<Pull[]> {
    const path = `/api/projects/${seg(project)}/pulls?state=${seg(state)}`;
    return (await this.request('GET', path, z.looseObject({ pulls: z.array(pullSchema) }))).pulls;
  }

  getPull(project: string, number: number): Promise<PullDetail> {
    return this.request('GET', `/api/projects/${seg(project)}/pulls/${number}`, pullDetailSchema);
  }

  editPull(project: string, number: number, edit: PullEdit): Promise<Pull> {
    return this.request('PATCH', `/api/projects/${seg(project)}/pulls/${number}`, pullSchema, edit);
  }

  getChecks(project: string, number: number): Promise<Checks> {
    return this.request('GET', `/api/projects/${seg(project)}/pulls/${number}/checks`, checksSchema);
  }

  review(project: string, number: number, verdict: Verdict, body: string | undefined): Promise<Review> {
    const payload = body === undefined ? { verdict } : { verdict, body };
    return this.request('POST', `/api/projects/${seg(project)}/pulls/${number}/reviews`, reviewSchema, payload);
  }

  merge(project: string, number: number) {
    return this.request('POST', `/api/projects/${seg(project)}/pulls/${number}/merge`, mergeResultSchema, {});
  }

  close(project: string, number: number): Promise<Pull> {
    return this.request('POST', `/api/projects/${seg(project)}/pulls/${number}/close`, pullSchema, {});
  }

  reopen(project: string, number: number): Promise<Pull> {
    return this.request('POST', `/api/projects/${seg(project)}/pulls/${number}/reopen`, pullSchema, {});
  }

  ready(project: string, number: number): Promise<Pull> {
    return this.request('POST', `/api/projects/${seg(project)}/pulls/${number}/ready`, pullSchema, {});
  }

  /** Sends one request and returns the parsed answer; throws ServerError or UsageError, never a raw fetch error. */
  async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.server}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw this.transportError(method, path, error);
    }
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status < 200 || status > 299) throw this.httpError(method, path, status, json, text);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const why = json === undefined ? 'not JSON' : z.prettifyError(parsed.error).replaceAll('\n', ' ');
      throw new ServerError(
        `the server at ${this.server} answered ${method} ${path.split('?')[0]} with an unexpected response (${why}): is --server a Trunkflow server of the same version as this CLI?`,
        1,
        status,
        'client',
      );
    }
    return parsed.data;
  }

  private transportError(method: string, path: string, error: unknown): Error {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      const seconds = Math.round(this.timeoutMs / 100) / 10;
      const unknownOutcome =
        method === 'GET' ? '' : ': the action may or may not have happened, so look before retrying';
      return new ServerError(
        `the Trunkflow server at ${this.server} did not answer ${method} ${path.split('?')[0]} within ${seconds} s${unknownOutcome}`,
        1,
        null,
        'client',
      );
    }
    const { code, message } = networkCause(error);
    const why = code ?? message;
    if (code === undefined || UNREACHABLE_CODES.has(code)) {
      return new UsageError(
        `cannot reach the Trunkflow server at ${this.server} (${why}): start it with \`trunkflow serve\` or pass --server`,
      );
    }
    return new UsageError(`cannot talk to the Trunkflow server at ${this.server} (${why}): check --server`);
  }

  private httpError(method: string, path: string, status: number, json: unknown, text: string): ServerError {
    const envelope = errorEnvelope.safeParse(json);
    if (status === 401) {
      const fix: Record<TokenSource, string> = {
        flag: 'check --token',
        env: 'check TRUNKFLOW_TOKEN',
        stored: 'the stored login is no longer valid',
      };
      return new ServerError(
        `the server at ${this.server} did not accept the token (${fix[this.tokenSource]}): run \`trunkflow login --server ${this.server} --token <token>\` or pass --token`,
        2,
        status,
        envelope.success ? envelope.data.error.code : 'unauthenticated',
      );
    }
    const exitCode = status === 400 || status === 413 || status === 422 ? 2 : 1;
    if (envelope.success) {
      const { code, message, details = {} } = envelope.data.error;
      return new ServerError(message, exitCode, status, code, details);
    }
    const snippet = text.trim().slice(0, 200);
    return new ServerError(
      `the server at ${this.server} answered ${method} ${path.split('?')[0]} with HTTP ${status}${snippet ? `: ${snippet}` : ''}`,
      exitCode,
      status,
      'http',
    );
  }
}
