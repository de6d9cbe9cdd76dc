/**
 * The AMQP node addresses the Service Bus SDK attaches to: `$cbs`; `<queue-or-topic>`;
 * `<topic>/Subscriptions/<subscription>`; either followed by `/$DeadLetterQueue`; any of those followed by
 * `/$management` for the request/response node. Entity names compare case-insensitively, as in Service Bus.
 */
export interface EntityAddress {
  /** The address as the client wrote it, for error messages. */
  readonly path: string;
  /** Queue or topic name, lower-cased. */
  readonly entity: string;
  /** Subscription name, lower-cased, when the address names one. */
  readonly subscription?: string;
  readonly deadLetter: boolean;
}

export type NodeAddress =
  | { readonly node: 'cbs' }
  | { readonly node: 'management'; readonly target: EntityAddress }
  | { readonly node: 'entity'; readonly target: EntityAddress }
  | { readonly node: 'unknown'; readonly path: string };

const managementSuffix = '/$management';
const deadLetterSuffixes = ['/$transfer/$deadletterqueue', '/$deadletterqueue'];

export function parseAddress(address: string | undefined): NodeAddress {
  const path = (address ?? '').replace(/^\/+/, '');
  if (path.toLowerCase() === '$cbs') return { node: 'cbs' };
  const lower = path.toLowerCase();
  if (lower.endsWith(managementSuffix)) {
    const target = parseEntity(path.slice(0, -managementSuffix.length));
    return target ? { node: 'management', target } : { node: 'unknown', path };
  }
  const target = parseEntity(path);
  return target ? { node: 'entity', target } : { node: 'unknown', path };
}

function parseEntity(path: string): EntityAddress | undefined {
  let rest = path.toLowerCase();
  const deadLetterSuffix = deadLetterSuffixes.find((suffix) => rest.endsWith(suffix));
  if (deadLetterSuffix) rest = rest.slice(0, -deadLetterSuffix.length);
  const segments = rest.split('/');
  const deadLetter = deadLetterSuffix !== undefined;
  if (segments.length === 1 && segments[0]) return { path, entity: segments[0], deadLetter };
  const [entity, keyword, subscription] = segments;
  if (segments.length === 3 && entity && keyword === 'subscriptions' && subscription) {
    return { path, entity, subscription, deadLetter };
  }
  return undefined;
}
