/**
 * The digest sealer's use case: for every period that has ended, empty or not, close it to additions,
 * write a signed digest listing every object recorded in it and naming the digest before it, and move
 * the chain head on. A missing digest is therefore always detectable, as a gap in time and in the chain.
 *
 * Sealing is idempotent: the period's contents are frozen by one conditional write, the digest bytes
 * are a function of (period, contents, previous digest, key) and RSA PKCS#1 v1.5 signatures are
 * deterministic, so a retry or a second sealer writes the very same object. Should a signer ever be
 * non-deterministic (ECDSA), the digest already stored for the period is adopted instead.
 */
import {
  addSeconds,
  buildDigestBody,
  canonicalBytes,
  type DigestBody,
  digestStringToSign,
  linkToDigest,
  periodStartOf,
  publicKeyFingerprint,
  publicKeyKey,
  sha256Hex,
  type SignedDigest,
  signDigest,
} from '../domain/evidence';
import { canonicalJson } from '../domain/audit-chain';
import { recordObject } from './evidence-export';
import { type EvidenceDeps, ObjectLockedError } from './evidence-ports';

/** Bounds one invocation's work; the rest is sealed by the next run. */
export const MAX_DIGESTS_PER_RUN = 500;

/** Writes the public key beside the digests once per key, listed in a digest like any other object. */
export async function publishPublicKey(deps: EvidenceDeps): Promise<string> {
  const pem = await deps.signer.publicKeyPem();
  const fingerprint = publicKeyFingerprint(pem);
  if (await deps.state.keyPublished(fingerprint)) return fingerprint;
  const bytes = Buffer.from(pem, 'utf8');
  const sha256 = sha256Hex(bytes);
  await deps.objects.put(publicKeyKey(fingerprint), bytes, {
    contentType: 'application/x-pem-file',
    sha256,
    retainUntil: addSeconds(deps.clock.now(), deps.retentionDays * 86_400),
  });
  await recordObject(deps, { key: publicKeyKey(fingerprint), sha256, size: bytes.length });
  await deps.state.markKeyPublished(fingerprint);
  return fingerprint;
}

const unsigned = (digest: SignedDigest): DigestBody => {
  const { signature: _signature, ...body } = digest;
  return body;
};

/** Puts the digest; if the period already has a digest of the same body (another sealer's), uses that one. */
async function store(deps: EvidenceDeps, digest: SignedDigest): Promise<Uint8Array> {
  const bytes = canonicalBytes(digest);
  try {
    await deps.objects.put(digest.digestKey, bytes, {
      contentType: 'application/json',
      sha256: sha256Hex(bytes),
      retainUntil: addSeconds(digest.periodEnd, deps.retentionDays * 86_400),
    });
    return bytes;
  } catch (error) {
    if (!(error instanceof ObjectLockedError)) throw error;
    const existing = await deps.objects.get(digest.digestKey);
    const parsed = existing && (JSON.parse(Buffer.from(existing).toString('utf8')) as SignedDigest);
    if (!existing || !parsed || canonicalJson(unsigned(parsed)) !== canonicalJson(unsigned(digest))) throw error;
    return existing;
  }
}

/** Seals every ended period since the chain head; returns the digests written. */
export async function sealDigests(deps: EvidenceDeps, max = MAX_DIGESTS_PER_RUN): Promise<SignedDigest[]> {
  const fingerprint = await publishPublicKey(deps);
  const now = deps.clock.now();
  let head = (await deps.state.digestHead()) ?? (await deps.state.startDigestChain(periodStartOf(now, deps.periodSeconds).toISOString()));
  const sealed: SignedDigest[] = [];
  while (sealed.length < max) {
    const start = new Date(head.next);
    const end = addSeconds(start, deps.periodSeconds);
    if (end > now) break;
    const objects = await deps.state.sealPeriod(head.next, now.toISOString());
    const body = buildDigestBody({
      periodStart: start,
      periodSeconds: deps.periodSeconds,
      objects,
      previous: head.last ?? null,
      publicKeyFingerprint: fingerprint,
      signatureAlgorithm: deps.signer.algorithm,
    });
    const digest = signDigest(body, await deps.signer.sign(Buffer.from(digestStringToSign(body), 'utf8')));
    const bytes = await store(deps, digest);
    const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as SignedDigest;
    const next = { next: end.toISOString(), last: linkToDigest(stored, bytes) };
    if (await deps.state.advanceDigestHead(head.next, next)) {
      head = next;
      sealed.push(stored);
    } else {
      head = (await deps.state.digestHead()) ?? head;
    }
  }
  return sealed;
}
