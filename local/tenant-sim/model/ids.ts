/**
 * Identifiers derived from (tenant seed, kind, ordinal) instead of stored: a 100,000-device tenant keeps no
 * GUID strings and no id → device maps. The first 8 hex digits are an invertible scramble of the ordinal, so
 * an id leads back to its ordinal in O(1); the rest is a hash, and a decoded id only counts if it re-derives
 * exactly. The ids look like ordinary random v4 GUIDs (and 40-hex Defender machine ids) to a client.
 */
import { combine, mix32 } from './random';

const multiplier = 0x9e3779b1; // odd, so multiplication modulo 2^32 is invertible
const inverseMultiplier = modularInverse(multiplier);

function modularInverse(odd: number): number {
  // Newton's iteration doubles the number of correct low bits each round: 5 rounds reach 32 bits.
  let inverse = odd;
  for (let i = 0; i < 5; i++) inverse = Math.imul(inverse, 2 - Math.imul(odd, inverse));
  return inverse >>> 0;
}

const byteHex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Eight hex digits; a table lookup per byte, as ids are formatted for every item of a 100,000-device list. */
function hex8(value: number): string {
  return (
    (byteHex[(value >>> 24) & 0xff] as string) +
    (byteHex[(value >>> 16) & 0xff] as string) +
    (byteHex[(value >>> 8) & 0xff] as string) +
    (byteHex[value & 0xff] as string)
  );
}

export class IdSpace {
  private readonly offset: number;
  private readonly salt: number;

  constructor(seed: number, kind: string) {
    let kindHash = 0;
    for (let i = 0; i < kind.length; i++) kindHash = Math.imul(kindHash ^ kind.charCodeAt(i), 0x01000193);
    this.salt = combine(seed, kindHash);
    this.offset = mix32(this.salt ^ 0x5bd1e995);
  }

  /** A v4-shaped GUID for `ordinal`; `variant` distinguishes several ids of one ordinal (e.g. key rotations). */
  guid(ordinal: number, variant = 0): string {
    const head = hex8(this.scramble(ordinal));
    const a = combine(this.salt, ordinal, variant, 1);
    const b = combine(this.salt, ordinal, variant, 2);
    const c = combine(this.salt, ordinal, variant, 3);
    const tail = hex8(a) + hex8(b) + hex8(c);
    return `${head}-${tail.slice(0, 4)}-4${tail.slice(5, 8)}-${((parseInt(tail[8] as string, 16) & 0x3) | 0x8).toString(16)}${tail.slice(9, 12)}-${tail.slice(12, 24)}`;
  }

  /** A 40-hex-digit id in the style of Defender for Endpoint machine ids. */
  hex40(ordinal: number): string {
    let out = hex8(this.scramble(ordinal));
    for (let part = 1; part <= 4; part++) out += hex8(combine(this.salt, ordinal, part, 7));
    return out;
  }

  /** The ordinal a `guid` or `hex40` was derived from, or undefined when `id` is not one of ours. */
  ordinalOf(
    id: string,
    derive: (ordinal: number) => string = (ordinal) => this.guid(ordinal),
  ): number | undefined {
    const ordinal = this.candidateOrdinal(id);
    return ordinal !== undefined && derive(ordinal) === id.toLowerCase() ? ordinal : undefined;
  }

  /** The ordinal encoded in `id`'s head, unverified: the caller checks the id against what it derives. */
  candidateOrdinal(id: string): number | undefined {
    if (!/^[0-9a-f]{8}/i.test(id)) return undefined;
    const ordinal = this.unscramble(parseInt(id.slice(0, 8), 16));
    return ordinal >= 0 ? ordinal : undefined;
  }

  private scramble(ordinal: number): number {
    return (Math.imul(ordinal + 1, multiplier) + this.offset) >>> 0;
  }

  private unscramble(value: number): number {
    return (Math.imul((value - this.offset) >>> 0, inverseMultiplier) >>> 0) - 1;
  }
}
