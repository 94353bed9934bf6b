// A small typed client for the Trunkflow HTTP API: JSON in and out, a timeout, and every failure mapped to an exit code.
import {
  type CheckRun,
  checkRunSchema,
  errorEnvelopeSchema,
  type Me,
  type Membership,
  type MergeResult,
  membershipSchema,
  mergeResultSchema,
  meSchema,
  type NewProject,
  type NewPull,
  type Project,
  type Pull,
  type PullDetail,
  type PullEdit,
  type PullStateName,
  projectListSchema,
  projectSchema,
  pullDetailSchema,
  pullListSchema,
  pullSchema,
  type Review,
  type RoleName,
  reviewSchema,
  type Token,
  tokenListSchema,
  tokenSchema,
  type User,
  type UserEdit,
  type UserWithToken,
  userListSchema,
  userSchema,
  userWithTokenSchema,
  type VerdictName,
} from '@trunkflow/api';
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { ServerError } from './server-error.js';

/** Where the token came from, so a refusal can say which setting to fix. */
export type TokenSource = 'flag' | 'env' | 'stored';

export const DEFAULT_TIMEOUT_MS = 30_000;

// The shapes the commands print, straight from the contract.
export type {
  CheckRun as Checks,
  Me,
  NewProject,
  NewPull,
  Project,
  Pull,
  PullDetail,
  PullEdit,
  Review,
  User,
} from '@trunkflow/api';
export { ServerError };
export type PullState = PullStateName | 'all';
export type Verdict = VerdictName;

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

  createUser(name: string, role: RoleName, email?: string): Promise<UserWithToken> {
    const body = email === undefined ? { name, role } : { name, role, email };
    return this.request('POST', '/api/admin/users', userWithTokenSchema, body);
  }

  updateUser(name: string, changes: UserEdit): Promise<User> {
    return this.request('PATCH', `/api/admin/users/${seg(name)}`, userSchema, changes);
  }

  async listUsers(): Promise<User[]> {
    return (await this.request('GET', '/api/admin/users', userListSchema)).users;
  }

  createToken(user: string, label: string | undefined): Promise<UserWithToken> {
    const body = label === undefined ? {} : { label };
    return this.request('POST', `/api/admin/users/${seg(user)}/tokens`, userWithTokenSchema, body);
  }

  async listTokens(user: string): Promise<Token[]> {
    return (await this.request('GET', `/api/admin/users/${seg(user)}/tokens`, tokenListSchema)).tokens;
  }

  revokeToken(id: string): Promise<Token> {
    return this.request('DELETE', `/api/admin/tokens/${seg(id)}`, tokenSchema);
  }

  setMember(project: string, user: string, role: RoleName): Promise<Membership> {
    return this.request('PUT', `/api/projects/${seg(project)}/members/${seg(user)}`, membershipSchema, { role });
  }

  createProject(input: NewProject): Promise<Project> {
    return this.request('POST', '/api/projects', projectSchema, input);
  }

  async listProjects(): Promise<Project[]> {
    return (await this.request('GET', '/api/projects', projectListSchema)).projects;
  }

  openPull(project: string, input: NewPull): Promise<Pull> {
    return this.request('POST', `/api/projects/${seg(project)}/pulls`, pullSchema, input);
  }

  async listPulls(project: string, state: PullState): Promise<Pull[]> {
    const path = `/api/projects/${seg(project)}/pulls?state=${seg(state)}`;
    return (await this.request('GET', path, pullListSchema)).pulls;
  }

  getPull(project: string, number: number): Promise<PullDetail> {
    return this.request('GET', `/api/projects/${seg(project)}/pulls/${number}`, pullDetailSchema);
  }

  editPull(project: string, number: number, edit: PullEdit): Promise<Pull> {
    return this.request('PATCH', `/api/projects/${seg(project)}/pulls/${number}`, pullSchema, edit);
  }

  getChecks(project: string, number: number): Promise<CheckRun> {
    return this.request('GET', `/api/projects/${seg(project)}/pulls/${number}/checks`, checkRunSchema);
  }

  review(project: string, number: number, verdict: Verdict, body: string | undefined): Promise<Review> {
    const payload = body === undefined ? { verdict } : { verdict, body };
    return this.request('POST', `/api/projects/${seg(project)}/pulls/${number}/reviews`, reviewSchema, payload);
  }

  merge(project: string, number: number): Promise<MergeResult> {
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

  /**
   * Sends one request and checks the answer against the route's response schema from @trunkflow/api;
   * throws ServerError or UsageError, never a raw fetch error. The answer is returned as sent, not as
   * parsed: response schemas hold no transforms or defaults, and a field this CLI does not know (from a
   * newer server) still reaches --format json.
   */
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
    return json as z.output<S>;
  }

  /**
   * Opens a server-sent-events stream (GET, no timeout: it lasts as long as the server sends); a
   * refusal throws as `request` does. The caller reads the body and ends it with `signal`.
   */
  async openEventStream(path: string, lastEventId: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      authorization: `Bearer ${this.token}`,
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    };
    let response: Response;
    try {
      response = await fetch(`${this.server}${path}`, { headers, redirect: 'manual', signal });
    } catch (error) {
      throw this.transportError('GET', path, error);
    }
    if (response.status < 200 || response.status > 299) {
      const text = await response.text().catch(() => '');
      let json: unknown;
      try {
        json = text === '' ? null : JSON.parse(text);
      } catch {
        json = undefined;
      }
      throw this.httpError('GET', path, response.status, json, text);
    }
    return response;
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
    const envelope = errorEnvelopeSchema.safeParse(json);
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
