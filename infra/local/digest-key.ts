/**
 * The local stand-in for the KMS signing key: an RSA 2048 key pair generated on first start and kept
 * under the data folder (keys/digest-signing.json, readable by the owner only), so digests sealed
 * before and after a restart verify with the same public key. Without a data folder the pair lives in
 * memory. It signs exactly as KMS does with RSASSA_PKCS1_V1_5_SHA_256 over a RAW message.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DigestSigner } from '../../functions/app/evidence-ports';
import { RSA_SIGNING_ALGORITHM } from '../../functions/domain/evidence';

export class LocalDigestSigner implements DigestSigner {
  readonly algorithm = RSA_SIGNING_ALGORITHM;

  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicPem: string,
  ) {}

  static open(keyFile: string | undefined): LocalDigestSigner {
    if (keyFile && existsSync(keyFile)) {
      const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as { privateKey: string; publicKey: string };
      return new LocalDigestSigner(createPrivateKey(stored.privateKey), stored.publicKey);
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    if (keyFile) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, JSON.stringify({ privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }), publicKey: publicPem }), { mode: 0o600 });
    }
    return new LocalDigestSigner(privateKey, createPublicKey(publicPem).export({ type: 'spki', format: 'pem' }).toString());
  }

  async publicKeyPem(): Promise<string> {
    return this.publicPem;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', message, this.privateKey);
  }
}
