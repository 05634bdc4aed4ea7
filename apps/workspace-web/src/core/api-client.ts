/// <reference lib="dom" />
// The API as the page calls it: same origin, JSON, the credential in its
// header, problems (RFC 9457) turned into errors that say what went wrong.
import type { CredentialStore } from './credential.store';

export interface Problem {
  readonly status: number;
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }

  get status(): number {
    return this.problem.status;
  }
}

export type QueryValue = string | number | undefined | null;

export function withQuery(path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  /** Called on any 401: the credential is missing, expired or revoked. */
  onUnauthenticated: (error: ApiError) => void = () => undefined;

  constructor(private readonly credentials: CredentialStore) {}

  get<T>(path: string, query?: Readonly<Record<string, QueryValue>>, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', withQuery(path, query), undefined, {}, signal);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('PUT', path, body, headers);
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...this.credentials.headers(), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      // Credentials travel in headers only; nothing ambient.
      credentials: 'omit',
      cache: 'no-store',
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    const json: unknown = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const problem = (json && typeof json === 'object' ? json : {}) as Partial<Problem>;
      const error = new ApiError({ ...problem, status: response.status });
      if (response.status === 401) this.onUnauthenticated(error);
      throw error;
    }
    return json as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 200) };
  }
}
