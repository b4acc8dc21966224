/**
 * The secret store on Powertools Parameters: one read per secret while cached, a fresh read after a
 * value was found wrong, no caching of a failed read, and a clear error for a secret with no value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretStore } from '../../../functions/adapters/secrets';

const sm = mockClient(SecretsManagerClient);
const reads = () => sm.commandCalls(GetSecretValueCommand).length;

beforeEach(() => {
  sm.reset();
});

describe('SecretStore', () => {
  it('reads a secret once while cached, and afresh after it was found wrong', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'xoxb-old' }).resolves({ SecretString: 'xoxb-new' });
    const store = new SecretStore(new SecretsManagerClient({ region: 'eu-west-1' }));

    expect(await store.string('token')).toBe('xoxb-old');
    expect(await store.string('token')).toBe('xoxb-old');
    expect(reads()).toBe(1);
    store.forget('token');
    expect(await store.string('token')).toBe('xoxb-new');
    expect(reads()).toBe(2);
  });

  it('does not keep a failed read, and names a secret that has no value yet', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('Rate exceeded')).resolvesOnce({ SecretString: 's3cret' }).resolves({});
    const store = new SecretStore(new SecretsManagerClient({ region: 'eu-west-1' }));

    await expect(store.string('signing')).rejects.toThrow();
    expect(await store.string('signing')).toBe('s3cret');
    await expect(store.string('empty')).rejects.toThrow('Secret empty has no value yet');
  });
});
