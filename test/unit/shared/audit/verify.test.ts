import { generateKeyPairSync } from 'node:crypto';
import {
  type ChainRecord,
  extendChain,
  genesisHash,
  recordHash,
  signCheckpoint,
  signingKeyFromPem,
} from '../../../../shared/audit/chain';
import { verifyChain } from '../../../../shared/audit/verify';

const key = signingKeyFromPem(
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
);
const publicKeys = new Map([[key.keyId, key.publicKey]]);
const chain = 'tenant-1';
const events = Array.from({ length: 5 }, (_, i) => ({ id: `e${i + 1}`, action: 'remediation.run', n: i }));

function records(): ChainRecord[] {
  return extendChain({ chain, seq: 0, hash: genesisHash }, events, '2026-01-01T00:00:00.000Z');
}

const verify = (rs: ChainRecord[], extra: Partial<Parameters<typeof verifyChain>[0]> = {}) =>
  verifyChain({ sink: 'customer', chain, records: rs, checkpoints: [], publicKeys, ...extra });

describe('chain verification', () => {
  it('finds an untouched chain intact and reports its unsigned tail', async () => {
    const rs = records();
    const checkpoint = signCheckpoint(
      { chain, seq: 3, hash: rs[2]!.hash, signedAt: 'now', previousSignature: null },
      key,
    );
    expect(await verify(rs, { checkpoints: [checkpoint] })).toMatchObject({
      ok: true,
      records: 5,
      lastSeq: 5,
      lastCheckpointSeq: 3,
      unsignedTail: 2,
    });
  });

  it('reports an edit at the edited record', async () => {
    const rs = records();
    (rs[2]!.event as any).n = 99;
    expect((await verify(rs)).problem).toMatchObject({ kind: 'altered', position: 2, seq: 3, eventId: 'e3' });
  });

  it('reports an edit whose hash was recomputed at the edited record, through its successor’s link', async () => {
    const rs = records();
    (rs[1]!.event as any).n = 99;
    rs[1]!.hash = recordHash(rs[1]!);
    expect((await verify(rs)).problem).toMatchObject({ kind: 'altered', position: 1, seq: 2 });
  });

  it('tells a removal from a reordering', async () => {
    const removed = records().filter((r) => r.seq !== 2);
    expect((await verify(removed)).problem).toMatchObject({ kind: 'removed', position: 1, seq: 3 });
    const rs = records();
    const swapped = [rs[0]!, rs[2]!, rs[1]!, rs[3]!, rs[4]!];
    expect((await verify(swapped)).problem).toMatchObject({ kind: 'reordered', position: 1, seq: 3 });
  });

  it('catches a rewritten chain and a cut-off end through the signed checkpoint', async () => {
    const rs = records();
    const checkpoint = signCheckpoint(
      { chain, seq: 5, hash: rs[4]!.hash, signedAt: 'now', previousSignature: null },
      key,
    );
    expect((await verify(rs.slice(0, 4), { checkpoints: [checkpoint] })).problem).toMatchObject({
      kind: 'truncated',
      seq: 5,
    });
    const rewritten = extendChain(
      { chain, seq: 0, hash: genesisHash },
      events.map((e) => ({ ...e, n: -1 })),
      'later',
    );
    expect((await verify(rewritten, { checkpoints: [checkpoint] })).problem).toMatchObject({
      kind: 'altered',
      seq: 5,
    });
  });

  it('refuses a checkpoint not signed by the key, and one whose predecessor is gone', async () => {
    const rs = records();
    const good = signCheckpoint(
      { chain, seq: 2, hash: rs[1]!.hash, signedAt: 'now', previousSignature: null },
      key,
    );
    const forged = { ...good, seq: 3, hash: rs[2]!.hash };
    expect((await verify(rs, { checkpoints: [forged] })).problem).toMatchObject({
      kind: 'badCheckpoint',
      seq: 3,
    });
    const orphan = signCheckpoint(
      { chain, seq: 4, hash: rs[3]!.hash, signedAt: 'now', previousSignature: good.signature },
      key,
    );
    expect((await verify(rs, { checkpoints: [orphan] })).problem).toMatchObject({
      kind: 'badCheckpoint',
      seq: 4,
    });
    expect((await verify(rs, { checkpoints: [good, orphan] })).ok).toBe(true);
  });

  it('reports a line that is not a record', async () => {
    const rs: any[] = records();
    rs.splice(2, 0, { unreadable: 'garbage' });
    expect((await verify(rs)).problem).toMatchObject({ kind: 'unreadable', position: 2 });
  });
});
