/**
 * Signs digests with a KMS asymmetric key (RSA_2048, SIGN_VERIFY). The private key never leaves KMS;
 * the public key is fetched once per process and published beside the digests as PEM. The signing
 * string is a few hundred bytes, well under KMS's 4 KB limit for RAW messages, so KMS hashes it itself
 * and the result is exactly what `openssl dgst -sha256 -verify` checks.
 */
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { DigestSigner } from '../app/evidence-ports';
import { RSA_SIGNING_ALGORITHM } from '../domain/evidence';

export const derToPem = (der: Uint8Array): string =>
  `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;

export class KmsDigestSigner implements DigestSigner {
  readonly algorithm = RSA_SIGNING_ALGORITHM;
  private pem: Promise<string> | undefined;

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  publicKeyPem(): Promise<string> {
    this.pem ??= this.client.send(new GetPublicKeyCommand({ KeyId: this.keyId })).then(({ PublicKey }) => {
      if (!PublicKey) throw new Error(`KMS returned no public key for ${this.keyId}`);
      return derToPem(PublicKey);
    });
    this.pem.catch(() => {
      this.pem = undefined;
    });
    return this.pem;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    const { Signature } = await this.client.send(
      new SignCommand({ KeyId: this.keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: RSA_SIGNING_ALGORITHM }),
    );
    if (!Signature) throw new Error(`KMS returned no signature from ${this.keyId}`);
    return Signature;
  }
}
