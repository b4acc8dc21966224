/**
 * Secrets Manager, read through one client per function. Values are cached for a few minutes: Slack
 * calls need the bot token on every request, and a rotated secret is still picked up without a
 * redeploy. The endpoint comes from the SDK's configuration (AWS_ENDPOINT_URL_SECRETS_MANAGER locally).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});
const TTL_MS = 5 * 60_000;
const cache = new Map<string, { value: Promise<string>; until: number }>();

/** The secret's string value; a failed read is not cached, so the next call tries again. */
export function secretString(secretId: string): Promise<string> {
  const hit = cache.get(secretId);
  if (hit && hit.until > Date.now()) return hit.value;
  const value = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
    if (!out.SecretString) throw new Error(`Secret ${secretId} has no value yet: put the value in Secrets Manager (see the README's Slack section).`);
    return out.SecretString;
  });
  cache.set(secretId, { value, until: Date.now() + TTL_MS });
  value.catch(() => cache.delete(secretId));
  return value;
}

/** Forgets cached values, so a secret that was just found wrong is read again. */
export function forgetSecret(secretId: string): void {
  cache.delete(secretId);
}
