/**
 * A local endpoint speaking the Secrets Manager API (AWS JSON 1.1, `secretsmanager.GetSecretValue`),
 * so handlers read the Slack bot token and signing secret the way they do on AWS, through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER. Holds only the secrets it is given; read-only.
 */
import { createServer } from 'node:http';
import { listenOnLoopback } from './listen';
import { readBody } from './read-body';

/** The last path segment of a secret ARN (`arn:…:secret:name-AbCdEf` → `name-AbCdEf`) also finds it. */
const nameOf = (arn: string) => arn.split(':secret:')[1] ?? arn;

export async function startSecretsServer(secrets: ReadonlyMap<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const byId = new Map<string, { arn: string; value: string }>();
  for (const [arn, value] of secrets) {
    byId.set(arn, { arn, value });
    byId.set(nameOf(arn), { arn, value });
  }
  const created = Math.floor(Date.now() / 1000);
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    readBody(request).then((body) => {
      const text = body.toString('utf8');
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') {
        return send(400, { __type: 'UnknownOperationException', message: `${target || 'This operation'} is not served locally` });
      }
      let secretId: unknown;
      try {
        secretId = (JSON.parse(text || '{}') as { SecretId?: unknown }).SecretId;
      } catch {
        return send(400, { __type: 'InvalidRequestException', message: 'The request body is not JSON' });
      }
      const secret = typeof secretId === 'string' ? byId.get(secretId) : undefined;
      if (!secret) return send(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      return send(200, {
        ARN: secret.arn,
        Name: nameOf(secret.arn),
        SecretString: secret.value,
        VersionId: '00000000-0000-4000-8000-000000000000',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: created,
      });
    }, (error: unknown) => send(500, { __type: 'InternalServiceError', message: (error as Error).message }));
  });
  return listenOnLoopback(server);
}
