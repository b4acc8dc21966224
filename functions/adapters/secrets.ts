/**
 * Secrets Manager through Powertools for AWS Lambda's Parameters utility, one store per composition.
 * Values are cached for five minutes: Slack calls need the bot token on every request, and a rotated
 * secret is still picked up without a redeploy. A read that fails is not cached, so the next call
 * tries again; a value found wrong (Slack refused the token) is read afresh on the next call. The
 * endpoint comes from the SDK's configuration (AWS_ENDPOINT_URL_SECRETS_MANAGER locally).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';

const MAX_AGE_SECONDS = 5 * 60;

export class SecretStore {
  private readonly provider: SecretsProvider;
  /** Secrets to read afresh at their next use, whatever the cache holds. */
  private readonly stale = new Set<string>();

  constructor(client: SecretsManagerClient) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  /** The secret's string value. */
  async string(secretId: string): Promise<string> {
    const forceFetch = this.stale.delete(secretId);
    const value = await this.provider.get(secretId, { maxAge: MAX_AGE_SECONDS, forceFetch });
    if (typeof value !== 'string' || !value) {
      throw new Error(`Secret ${secretId} has no value yet: put the value in Secrets Manager (see docs/slack.md).`);
    }
    return value;
  }

  /** Forgets the cached value, so a secret that was just found wrong is read again. */
  forget(secretId: string): void {
    this.stale.add(secretId);
  }
}
