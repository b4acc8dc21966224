/**
 * The local stand-in for the identity provider and API Gateway's JWT authorizer: demo users, a signing
 * key kept under the data folder (so tokens survive a restart), and verification that yields the same
 * claims shape API Gateway hands to Lambda, groups flattened to "[a b]" as its authorizer does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';

export const LOCAL_ISSUER = 'http://127.0.0.1/accessgate-local';
export const LOCAL_AUDIENCE = 'accessgate';
const TOKEN_TTL = '12h';
type Key = Awaited<ReturnType<typeof importJWK>>;

export interface DemoUser {
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'alice@example.com', name: 'Alice Anders', groups: ['dba'] },
  { email: 'frank@example.com', name: 'Frank Fischer', groups: ['dba'] },
  { email: 'bob@example.com', name: 'Bob Brown', groups: ['dba-approvers'] },
  { email: 'grace@example.com', name: 'Grace Green', groups: ['dba-approvers'] },
  { email: 'henry@example.com', name: 'Henry Hall', groups: ['dba', 'dba-approvers'] },
  { email: 'carol@example.com', name: 'Carol Chen', groups: ['sre'] },
  { email: 'dana@example.com', name: 'Dana Diaz', groups: ['admins'] },
  { email: 'erin@example.com', name: 'Erin Evans', groups: ['auditors'] },
];

/**
 * The key that signs the API's cursors (CURSOR_KEY), generated on first start and kept in `keyFile`
 * so cursors handed out before a restart still page on; no file keeps it in memory.
 */
export function localCursorKey(keyFile: string | undefined): string {
  if (keyFile && existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  const key = randomBytes(32).toString('hex');
  if (keyFile) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, key, { mode: 0o600 });
  }
  return key;
}

/** A stable UUID-shaped subject per email, like an IdP's `sub`. */
export function subjectOf(email: string): string {
  const hex = createHash('sha256').update(`accessgate-demo:${email.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class LocalIdentityProvider {
  private constructor(
    private readonly privateKey: Key,
    private readonly publicKey: Key,
    readonly groupsClaim: string,
  ) {}

  /** Loads the key pair from `keyFile`, creating it on first start; no file keeps it in memory. */
  static async open(keyFile: string | undefined, groupsClaim: string): Promise<LocalIdentityProvider> {
    let jwk: { privateKey: JWK; publicKey: JWK };
    if (keyFile && existsSync(keyFile)) {
      jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as typeof jwk;
    } else {
      const pair = await generateKeyPair('ES256', { extractable: true });
      jwk = { privateKey: await exportJWK(pair.privateKey), publicKey: await exportJWK(pair.publicKey) };
      if (keyFile) {
        mkdirSync(dirname(keyFile), { recursive: true });
        writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
      }
    }
    return new LocalIdentityProvider(
      await importJWK(jwk.privateKey, 'ES256'),
      await importJWK(jwk.publicKey, 'ES256'),
      groupsClaim,
    );
  }

  user(email: string): DemoUser | undefined {
    return DEMO_USERS.find((user) => user.email === email.toLowerCase());
  }

  async issue(user: DemoUser): Promise<string> {
    return new SignJWT({ email: user.email, name: user.name, [this.groupsClaim]: [...user.groups], token_use: 'id' })
      .setProtectedHeader({ alg: 'ES256', kid: 'local' })
      .setSubject(subjectOf(user.email))
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(TOKEN_TTL)
      .sign(this.privateKey);
  }

  /** Verifies as API Gateway's JWT authorizer does; returns its Lambda-facing claims, or undefined. */
  async verify(authorization: string | undefined): Promise<Record<string, string | number | boolean> | undefined> {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (!match) return undefined;
    try {
      // API Gateway's authorizer requires `exp` (and checks it, with iss, aud and the signature).
      const { payload } = await jwtVerify(match[1], this.publicKey, {
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: ['ES256'],
        requiredClaims: ['exp'],
      });
      const claims: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries(payload)) {
        if (!Array.isArray(value)) {
          claims[key] = value as string | number | boolean;
          continue;
        }
        // The flattened "[a b]" form cannot carry an element with a space or a bracket in it; Cognito
        // never issues such a group name. A token that has one is refused rather than flattened into
        // different groups than it names.
        if (value.some((element) => typeof element !== 'string' || /[\s[\]]/.test(element))) return undefined;
        claims[key] = `[${value.join(' ')}]`;
      }
      return claims;
    } catch {
      return undefined;
    }
  }
}
