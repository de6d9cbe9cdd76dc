import { type KeyObject } from 'node:crypto';
import { type AuditEnvironment } from './contract';
import {
  type ChainRecord,
  type Checkpoint,
  checkpointSignatureValid,
  genesisHash,
  recordHash,
} from './chain';

export type ChainProblemKind =
  /** The record's content (or its sequence number) no longer matches its hash, or its successor's link. */
  | 'altered'
  /** Records are missing before this one. */
  | 'removed'
  /** This record is out of place: the one expected here comes later. */
  | 'reordered'
  /** Records the checkpoints or the head vouch for are missing at the end. */
  | 'truncated'
  /** A checkpoint whose signature does not verify, or that links to a checkpoint that is not there. */
  | 'badCheckpoint'
  /** A line that is not a record at all. */
  | 'unreadable';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** Index of the record in storage order (0-based), where one is at fault. */
  position?: number;
  seq?: number;
  eventId?: string;
  detail: string;
}

export interface ChainReport {
  sink: AuditEnvironment;
  chain: string;
  ok: boolean;
  records: number;
  lastSeq: number;
  checkpoints: number;
  lastCheckpointSeq: number;
  /** Records after the last checkpoint: protected by the hash chain (and the head), not yet by a signature. */
  unsignedTail: number;
  problem?: ChainProblem;
  /** Set when the sink could not be read at all. */
  unavailable?: string;
}

/** A record as read: a parsed record, or a line that does not parse. */
export type ReadRecord = ChainRecord | { unreadable: string };

/**
 * Walks one chain in storage order and reports the first record at fault, then checks the signed checkpoints (and,
 * where the sink keeps one, the head) against it: a rewritten tail or a cut-off end shows there.
 */
export async function verifyChain(input: {
  sink: AuditEnvironment;
  chain: string;
  records: AsyncIterable<ReadRecord> | Iterable<ReadRecord>;
  checkpoints: readonly Checkpoint[];
  publicKeys: ReadonlyMap<string, KeyObject>;
  head?: { seq: number; hash: string } | undefined;
}): Promise<ChainReport> {
  let position = -1;
  let expected = 1;
  let prev: { hash: string; seq: number; eventId?: string; position: number } | undefined;
  let problem: ChainProblem | undefined;
  /** While a gap is open: whether the record that belongs there turns up later (reordered) or not (removed). */
  let gap: { problem: ChainProblem; missingSeq: number } | undefined;
  const hashes = new Map<number, string>();
  let count = 0;
  let lastSeq = 0;

  for await (const read of input.records) {
    position++;
    count++;
    if (gap) {
      if ('seq' in read && read.seq === gap.missingSeq) gap.problem.kind = 'reordered';
      continue;
    }
    if (problem) continue;
    if ('unreadable' in read) {
      problem = {
        kind: 'unreadable',
        position,
        detail: `line ${position + 1} is not a record: ${read.unreadable}`,
      };
      continue;
    }
    const record = read;
    const eventId = typeof record.event?.id === 'string' ? record.event.id : undefined;
    const at = { position, seq: record.seq, ...(eventId ? { eventId } : {}) };
    if (record.seq !== expected) {
      if (typeof record.seq === 'number' && record.seq > expected) {
        gap = {
          missingSeq: expected,
          problem: {
            kind: 'removed',
            ...at,
            detail: `expected record ${expected} here, found ${record.seq}`,
          },
        };
        problem = gap.problem;
      } else {
        problem = {
          kind: 'reordered',
          ...at,
          detail: `record ${record.seq} appears after record ${expected - 1}`,
        };
      }
      continue;
    }
    if (record.chain !== input.chain || recordHash(record) !== record.hash) {
      problem = { kind: 'altered', ...at, detail: `record ${record.seq} does not match its hash` };
      continue;
    }
    if (record.prevHash !== (prev?.hash ?? genesisHash)) {
      // This record is intact, so the one before it was rewritten along with its own hash.
      problem = prev
        ? {
            kind: 'altered',
            position: prev.position,
            seq: prev.seq,
            ...(prev.eventId ? { eventId: prev.eventId } : {}),
            detail: `record ${prev.seq} was rewritten: record ${record.seq} links to a different hash`,
          }
        : { kind: 'altered', ...at, detail: 'the first record does not start the chain' };
      continue;
    }
    hashes.set(record.seq, record.hash);
    prev = { hash: record.hash, seq: record.seq, position, ...(eventId ? { eventId } : {}) };
    lastSeq = record.seq;
    expected++;
  }

  const checkpoints = [...input.checkpoints].sort((a, b) => a.seq - b.seq);
  const signatures = new Set<string>();
  let lastCheckpointSeq = 0;
  for (const checkpoint of checkpoints) {
    if (problem) break;
    const key = input.publicKeys.get(checkpoint.keyId);
    if (!key || !checkpointSignatureValid(checkpoint, key)) {
      problem = {
        kind: 'badCheckpoint',
        seq: checkpoint.seq,
        detail: `checkpoint at ${checkpoint.seq} is not signed by our key`,
      };
      break;
    }
    if (checkpoint.previousSignature !== null && !signatures.has(checkpoint.previousSignature)) {
      problem = {
        kind: 'badCheckpoint',
        seq: checkpoint.seq,
        detail: `the checkpoint before the one at ${checkpoint.seq} is missing`,
      };
      break;
    }
    signatures.add(checkpoint.signature);
    const hash = hashes.get(checkpoint.seq);
    if (hash === undefined) {
      problem = {
        kind: 'truncated',
        seq: lastSeq + 1,
        detail: `a signed checkpoint covers record ${checkpoint.seq}, but the chain ends at ${lastSeq}`,
      };
      break;
    }
    if (hash !== checkpoint.hash) {
      problem = {
        kind: 'altered',
        seq: checkpoint.seq,
        detail: `records up to ${checkpoint.seq} were rewritten: they no longer match the signed checkpoint`,
      };
      break;
    }
    lastCheckpointSeq = checkpoint.seq;
  }
  if (!problem && input.head && input.head.seq > 0) {
    const hash = hashes.get(input.head.seq);
    if (hash === undefined)
      problem = {
        kind: 'truncated',
        seq: lastSeq + 1,
        detail: `the chain's head is at ${input.head.seq}, but the records end at ${lastSeq}`,
      };
    else if (input.head.seq < lastSeq)
      problem = {
        kind: 'altered',
        seq: input.head.seq + 1,
        detail: `records after ${input.head.seq} were added where the chain's head does not know them`,
      };
    else if (hash !== input.head.hash)
      problem = {
        kind: 'altered',
        seq: input.head.seq,
        detail: `records up to ${input.head.seq} do not match the head`,
      };
  }
  return {
    sink: input.sink,
    chain: input.chain,
    ok: problem === undefined,
    records: count,
    lastSeq,
    checkpoints: checkpoints.length,
    lastCheckpointSeq,
    unsignedTail: Math.max(0, lastSeq - lastCheckpointSeq),
    ...(problem ? { problem } : {}),
  };
}
