/**
 * Webhook POSTs over HTTP(S). The target's URL is checked against the policy again at every attempt;
 * a host name is resolved once per attempt, every address it resolves to is checked, and the socket
 * connects to the checked address through the request's `lookup` hook, so a second resolution (DNS
 * rebinding) cannot swap in another address between the check and the connection. TLS still verifies
 * the certificate against the host name. Redirects are not followed: a 3xx is a failed attempt.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { TransportRequest, TransportResult, WebhookTransport } from '../app/webhook-ports';
import { refuseAddress, refuseWebhookUrl, type WebhookTargetPolicy } from '../domain/webhook-address';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a name resolves to (the system resolver, as a connection would use it). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

class RefusedTarget extends Error {}

export class HttpWebhookTransport implements WebhookTransport {
  constructor(
    private readonly policy: WebhookTargetPolicy,
    private readonly timeoutMs: number,
    private readonly resolve: Resolver = systemResolver,
  ) {}

  /** A lookup hook answering only with addresses the policy allows, all of them checked. */
  private checkedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          const refused = addresses.length ? addresses.map((found) => refuseAddress(found.address, this.policy)).find(Boolean) : `${hostname} resolves to no address`;
          if (refused) return callback(new RefusedTarget(`${hostname} resolves to ${refused}`), '', 0);
          if (options.all) return (callback as unknown as (error: null, all: ResolvedAddress[]) => void)(null, addresses);
          const first = addresses.find((found) => !options.family || found.family === options.family) ?? addresses[0]!;
          return callback(null, first.address, first.family);
        },
        (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    };
  }

  post({ url, headers, body }: TransportRequest): Promise<TransportResult> {
    const refused = refuseWebhookUrl(url, this.policy);
    if (refused) return Promise.resolve({ error: `refused: ${refused}`, refused: true });
    const target = new URL(url);
    const options: RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: this.checkedLookup(),
      timeout: this.timeoutMs,
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const request = send(target, options, (response) => {
        // Only the status counts; the receiver's body is read and dropped, never recorded.
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      request.on('error', (error) =>
        resolve(error instanceof RefusedTarget ? { error: `refused: ${error.message}`, refused: true } : { error: (error as NodeJS.ErrnoException).code ?? error.message }),
      );
      request.end(body);
    });
  }
}
