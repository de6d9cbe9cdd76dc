import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { type ProjectedEvent } from './projection';

/**
 * The tamper-evident form of an audit trail, the same in both sinks: per sink and chain (a customer tenant, or the
 * operator environment's own actions), each record carries its sequence number and the hash of the record before
 * it, and its own hash is SHA-256 over the RFC 8785 canonical JSON of everything else. Signed checkpoints, written
 * at intervals, sign a chain's position and hash and link to the checkpoint before (CloudTrail's digest files).
 */
export interface ChainRecord {
  chain: string;
  seq: number;
  prevHash: string;
  /** When the sink took the record in (the event's own time is inside `event`). */
  recordedAt: string;
  event: ProjectedEvent;
  hash: string;
}

export interface Checkpoint {
  chain: string;
  /** The last record this checkpoint covers, and its hash. */
  seq: number;
  hash: string;
  signedAt: string;
  /** The signature of the checkpoint before, or null for a chain's first. */
  previousSignature: string | null;
  /** SHA-256 of the signing public key (SPKI DER), hex: which key verifies this signature. */
  keyId: string;
  /** Ed25519 over the canonical JSON of the fields above, base64. */
  signature: string;
}

export const genesisHash = '0'.repeat(64);

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function recordHash(record: Omit<ChainRecord, 'hash'>): string {
  const { chain, seq, prevHash, recordedAt, event } = record;
  return sha256Hex(canonicalJson({ chain, seq, prevHash, recordedAt, event }));
}

/** The records that follow a chain's head, in order. */
export function extendChain(
  head: { chain: string; seq: number; hash: string },
  events: readonly ProjectedEvent[],
  recordedAt: string,
): ChainRecord[] {
  const records: ChainRecord[] = [];
  let seq = head.seq;
  let prevHash = head.hash;
  for (const event of events) {
    const body = { chain: head.chain, seq: ++seq, prevHash, recordedAt, event };
    const record: ChainRecord = { ...body, hash: recordHash(body) };
    records.push(record);
    prevHash = record.hash;
  }
  return records;
}

/** The checkpoint signing key, from its PKCS#8 PEM. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: publicKeyId(publicKey) };
}

export function publicKeyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

type CheckpointBody = Omit<Checkpoint, 'signature'>;

function checkpointBody(c: CheckpointBody): CheckpointBody {
  const { chain, seq, hash, signedAt, previousSignature, keyId } = c;
  return { chain, seq, hash, signedAt, previousSignature, keyId };
}

export function signCheckpoint(body: Omit<CheckpointBody, 'keyId'>, key: SigningKey): Checkpoint {
  const full = checkpointBody({ ...body, keyId: key.keyId });
  const signature = sign(null, Buffer.from(canonicalJson(full), 'utf8'), key.privateKey).toString('base64');
  return { ...full, signature };
}

export function checkpointSignatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(
      null,
      Buffer.from(canonicalJson(checkpointBody(checkpoint)), 'utf8'),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** When a writer signs a checkpoint: after this many records, or this long after the last one, at the next append. */
export const checkpointPolicy = { everyRecords: 100, everyMs: 60 * 60_000 } as const;

export function checkpointDue(
  last: { seq: number; signedAt: string } | undefined,
  headSeq: number,
  now: number,
): boolean {
  if (headSeq === 0) return false;
  if (!last) return true;
  if (headSeq <= last.seq) return false;
  return (
    headSeq - last.seq >= checkpointPolicy.everyRecords ||
    now - Date.parse(last.signedAt) >= checkpointPolicy.everyMs
  );
}
