/**
 * A small HTTP client for end-to-end tests: one signed-in demo user per instance, JSON in and out.
 */
import type { LocalStack } from '../../infra/local/stack';

export interface Reply<T = any> {
  readonly status: number;
  readonly body: T;
}

export class ApiClient {
  private constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  static async as(stack: LocalStack, email: string): Promise<ApiClient> {
    return new ApiClient(stack.url, await stack.token(email));
  }

  static anonymous(stack: LocalStack): ApiClient {
    return new ApiClient(stack.url, undefined);
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  get<T = any>(path: string) {
    return this.call<T>('GET', path);
  }

  post<T = any>(path: string, body?: unknown) {
    return this.call<T>('POST', path, body ?? {});
  }

  put<T = any>(path: string, body: unknown) {
    return this.call<T>('PUT', path, body);
  }
}
