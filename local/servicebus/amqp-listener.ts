import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'node:net';
import {
  create_container,
  type Connection,
  type Container,
  type Delivery,
  type EventContext,
  type Message,
  type Receiver,
  type Sender,
} from 'rhea';
import { PortInUseError } from '@mds/platform-kit';
import { parseAddress, type EntityAddress } from './addresses';
import { toWireMessage, unpackTransfer, type AmqpMessage } from './amqp-message';
import { applyOutcome, deliveryTag, settle, type LockedDelivery, type OutcomeKind } from './dispositions';
import {
  EntityNotFoundError,
  MessageTooLargeError,
  NotImplementedError,
  toBrokerError,
  type BrokerError,
} from './errors';
import { handleManagementRequest } from './management';
import type { MessageQueue, ReceiveMode, TakenMessage } from './message-queue';
import type { SendableEntity, ServiceBusState } from './namespace';

const CLOSE_GRACE_MS = 1_000;
const SESSION_FILTER = 'com.microsoft:session-filter';

/** rhea fields the broker sets or reads that its typings leave out. */
interface LinkInternals {
  credit: number;
  delivery_count: number;
  session: { outgoing: { available(): number } };
  local: { attach: { snd_settle_mode?: number; rcv_settle_mode?: number; max_message_size?: number } };
  _draining: boolean;
  _drained: boolean;
  _get_drain(): boolean;
}

type IncomingRoute =
  | { kind: 'cbs' }
  | { kind: 'management'; target: EntityAddress }
  | { kind: 'entity'; entity: SendableEntity };

interface Consumer {
  readonly sender: Sender;
  readonly queue: MessageQueue;
  readonly mode: ReceiveMode;
}

/** One listening socket and its AMQP connections. Restarting the broker replaces it; the state stays. */
export class AmqpListener {
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<Connection>();
  private readonly incomingRoutes = new WeakMap<Receiver, IncomingRoute>();
  private readonly replyLinks = new WeakMap<Connection, Map<string, Sender>>();
  private readonly consumers = new Map<MessageQueue, Set<Consumer>>();
  private readonly consumerBySender = new WeakMap<Sender, Consumer>();
  private readonly stopWatching = new Map<MessageQueue, () => void>();
  private readonly pumpsDue = new Set<MessageQueue>();
  private readonly lockedDeliveries = new WeakMap<Delivery, LockedDelivery>();

  private constructor(
    private readonly state: ServiceBusState,
    private readonly server: Server,
    private readonly maxMessageSize: number,
    readonly port: number,
  ) {
    server.on('connection', (socket: Socket) => {
      // rhea writes frame by frame; with Nagle's algorithm a receive of many small transfers stalls on the
      // client's delayed ACK (about 40 ms a batch on loopback).
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async open(
    state: ServiceBusState,
    host: string,
    port: number,
    maxMessageSize: number,
  ): Promise<AmqpListener> {
    const container = create_container({ id: `local-servicebus-${randomUUID()}` });
    const server = container.listen({
      host,
      port,
      // Peek-lock settlement is the broker's decision, and abandon (modified) must stay distinct from release.
      autoaccept: false,
      treat_modified_as_released: false,
    } as Parameters<Container['listen']>[0]);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new PortInUseError('Service Bus stand-in', host, port) : error),
      );
    });
    const address = server.address();
    const listener = new AmqpListener(
      state,
      server,
      maxMessageSize,
      typeof address === 'object' && address ? address.port : port,
    );
    listener.subscribe(container);
    return listener;
  }

  /**
   * Tells every client the broker is going away (`amqp:connection:forced`, as Service Bus does on maintenance), so
   * that the SDK starts reconnecting at once instead of discovering a dead socket on its next send; sockets still
   * open after a grace period are destroyed.
   */
  async close(): Promise<void> {
    for (const stop of this.stopWatching.values()) stop();
    this.stopWatching.clear();
    this.consumers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) {
      connection.close({ condition: 'amqp:connection:forced', description: 'The broker is shutting down.' });
    }
    const grace = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, CLOSE_GRACE_MS);
    await closed;
    clearTimeout(grace);
  }

  private subscribe(container: Container): void {
    container.on('sender_open', (context: EventContext) => this.onSenderOpen(context.sender as Sender));
    container.on('receiver_open', (context: EventContext) =>
      this.onReceiverOpen(context.receiver as Receiver),
    );
    container.on('message', (context: EventContext) => this.onMessage(context));
    for (const kind of ['accepted', 'rejected', 'modified', 'released'] as const) {
      container.on(kind, (context: EventContext) => this.onOutcome(context.delivery as Delivery, kind));
    }
    container.on('sendable', (context: EventContext) => this.onSendable(context.sender as Sender));
    container.on('sender_draining', (context: EventContext) => this.onDraining(context.sender as Sender));
    container.on('sender_close', (context: EventContext) => this.dropConsumer(context.sender as Sender));
    container.on('connection_open', (context: EventContext) => this.connections.add(context.connection));
    for (const event of ['connection_close', 'disconnected']) {
      container.on(event, (context: EventContext) => this.dropConnection(context.connection));
    }
    // Clients closing links or connections with an error is routine here; rhea would otherwise throw it.
    for (const event of [
      'sender_error',
      'receiver_error',
      'session_error',
      'connection_error',
      'protocol_error',
    ]) {
      container.on(event, () => undefined);
    }
    // rhea reports exceptions thrown while handling a frame here and drops the connection: a broker fault.
    container.on('error', (error: unknown) =>
      console.error('local Service Bus: dropped a connection after', error),
    );
  }

  /** A client receiver attached: the broker sends on this link (a consumer, or replies for $cbs/$management). */
  private onSenderOpen(sender: Sender): void {
    const address = parseAddress(sender.source?.address);
    try {
      if (address.node === 'cbs' || address.node === 'management') {
        if (address.node === 'management') this.assertExists(address.target);
        this.acceptAttach(sender, { senderSettles: true });
        this.repliesOf(sender.connection).set(sender.name, sender);
        return;
      }
      if (address.node === 'unknown') throw new EntityNotFoundError(address.path);
      if (sender.source?.filter && SESSION_FILTER in sender.source.filter) {
        throw new NotImplementedError('The local Service Bus broker does not support sessions.');
      }
      const queue = this.state.receivable(address.target);
      this.acceptAttach(sender, { senderSettles: sender.snd_settle_mode === 1 });
      this.addConsumer({
        sender,
        queue,
        mode: sender.snd_settle_mode === 1 ? 'receiveAndDelete' : 'peekLock',
      });
    } catch (error) {
      refuseAttach(sender, toBrokerError(error));
    }
  }

  /** A client sender attached: the broker receives messages (or $cbs/$management requests) on this link. */
  private onReceiverOpen(receiver: Receiver): void {
    const address = parseAddress(receiver.target?.address);
    try {
      const route = this.incomingRoute(address);
      this.acceptAttach(receiver, { senderSettles: receiver.snd_settle_mode === 1 });
      this.incomingRoutes.set(receiver, route);
    } catch (error) {
      refuseAttach(receiver, toBrokerError(error));
    }
  }

  private incomingRoute(address: ReturnType<typeof parseAddress>): IncomingRoute {
    switch (address.node) {
      case 'cbs':
        return { kind: 'cbs' };
      case 'management':
        this.assertExists(address.target);
        return { kind: 'management', target: address.target };
      case 'entity':
        return { kind: 'entity', entity: this.state.sendable(address.target) };
      case 'unknown':
        throw new EntityNotFoundError(address.path);
    }
  }

  private assertExists(target: EntityAddress): void {
    if (!this.state.exists(target)) throw new EntityNotFoundError(target.path);
  }

  /**
   * Echoes the client's addresses and settle modes. `senderSettles`: the sending side sends settled (receive-and-
   * delete consumers, replies). The broker as receiver always settles first, so a client sender's `rcv_settle_mode`
   * only matters for consumers, where peek-lock asks for second.
   */
  private acceptAttach(link: Sender | Receiver, { senderSettles }: { senderSettles: boolean }): void {
    link.set_source({ address: link.source?.address });
    link.set_target({ address: link.target?.address });
    const attach = (link as unknown as LinkInternals).local.attach;
    attach.snd_settle_mode = senderSettles ? 1 : 0;
    attach.rcv_settle_mode = link.is_sender() ? link.rcv_settle_mode : 0;
    attach.max_message_size = this.maxMessageSize;
  }

  private onMessage(context: EventContext): void {
    const receiver = context.receiver as Receiver;
    const delivery = context.delivery as Delivery;
    const route = this.incomingRoutes.get(receiver);
    if (!route) return;
    const request = context.message as unknown as AmqpMessage;
    try {
      if (route.kind === 'cbs') {
        // Any token is good enough for a local broker; the SDK only needs the 202.
        this.reply(receiver.connection, request, {
          application_properties: { 'status-code': 202, 'status-description': 'Accepted' },
        });
      } else if (route.kind === 'management') {
        this.reply(receiver.connection, request, handleManagementRequest(this.state, route.target, request));
      } else {
        const format = (context as EventContext & { format?: number }).format;
        const messages = unpackTransfer(context.message, format);
        const size = messages.reduce((total, message) => total + message.size, 0);
        if (size > this.maxMessageSize) throw new MessageTooLargeError(size, this.maxMessageSize);
        for (const { message } of messages) route.entity.send(message);
      }
      delivery.accept();
    } catch (error) {
      delivery.reject(toBrokerError(error).toAmqpError());
    }
  }

  private reply(connection: Connection, request: AmqpMessage, response: AmqpMessage): void {
    const replyLink =
      typeof request.reply_to === 'string' ? this.repliesOf(connection).get(request.reply_to) : undefined;
    replyLink?.send({ ...response, correlation_id: request.message_id, to: request.reply_to } as Message);
  }

  private repliesOf(connection: Connection): Map<string, Sender> {
    let links = this.replyLinks.get(connection);
    if (!links) {
      links = new Map();
      this.replyLinks.set(connection, links);
    }
    return links;
  }

  private addConsumer(consumer: Consumer): void {
    let set = this.consumers.get(consumer.queue);
    if (!set) {
      set = new Set();
      this.consumers.set(consumer.queue, set);
      this.stopWatching.set(
        consumer.queue,
        consumer.queue.watch(() => this.schedulePump(consumer.queue)),
      );
    }
    set.add(consumer);
    this.consumerBySender.set(consumer.sender, consumer);
    // rhea only echoes a drain when credit is left over; the SDK also waits for the echo when the transfers used
    // the credit up, and closes the link when it does not come.
    const link = consumer.sender as unknown as LinkInternals;
    link._get_drain = function (this: LinkInternals): boolean {
      if (!this._draining || !this._drained) return false;
      this.delivery_count += this.credit;
      this.credit = 0;
      return true;
    };
  }

  private dropConsumer(sender: Sender): void {
    const consumer = this.consumerBySender.get(sender);
    if (!consumer) return;
    const set = this.consumers.get(consumer.queue);
    set?.delete(consumer);
    if (set?.size === 0) {
      this.consumers.delete(consumer.queue);
      this.stopWatching.get(consumer.queue)?.();
      this.stopWatching.delete(consumer.queue);
    }
  }

  private dropConnection(connection: Connection): void {
    this.connections.delete(connection);
    for (const set of [...this.consumers.values()]) {
      for (const consumer of [...set]) {
        if (consumer.sender.connection === connection) this.dropConsumer(consumer.sender);
      }
    }
  }

  private onSendable(sender: Sender): void {
    const consumer = this.consumerBySender.get(sender);
    if (consumer) this.schedulePump(consumer.queue);
  }

  private onDraining(sender: Sender): void {
    const consumer = this.consumerBySender.get(sender);
    if (!consumer) return;
    for (let budget = creditOf(sender); budget > 0; budget--) {
      const taken = consumer.queue.take(consumer.mode);
      if (!taken) break;
      this.deliver(consumer, taken);
    }
    sender.set_drained(true);
  }

  /**
   * Deliveries wait for the next turn of the event loop: rhea counts credit down only when it writes transfers
   * (on the next tick), so one pump per turn sees the credit that is really left.
   */
  private schedulePump(queue: MessageQueue): void {
    if (this.pumpsDue.has(queue)) return;
    this.pumpsDue.add(queue);
    setImmediate(() => {
      this.pumpsDue.delete(queue);
      this.pump(queue);
    });
  }

  /** Hands available messages to the consumers with credit, one each in turn. */
  private pump(queue: MessageQueue): void {
    const set = this.consumers.get(queue);
    if (!set) return;
    const budgets = new Map<Consumer, number>();
    for (const consumer of set) {
      if (consumer.sender.is_open()) budgets.set(consumer, creditOf(consumer.sender));
      else this.dropConsumer(consumer.sender);
    }
    let delivered = true;
    while (delivered && queue.hasAvailable()) {
      delivered = false;
      for (const [consumer, budget] of budgets) {
        if (budget <= 0) continue;
        const taken = queue.take(consumer.mode);
        if (!taken) return;
        this.deliver(consumer, taken);
        budgets.set(consumer, budget - 1);
        delivered = true;
      }
    }
    // The first consumer goes last next time, so no consumer is always served first.
    const [first] = set;
    if (first) {
      set.delete(first);
      set.add(first);
    }
  }

  private deliver(consumer: Consumer, { message, lock }: TakenMessage): void {
    const wire = toWireMessage(message, { lockedUntil: lock?.lockedUntil });
    const delivery = consumer.sender.send(wire as Message, deliveryTag(lock?.token ?? randomUUID()));
    if (lock) this.lockedDeliveries.set(delivery, { queue: consumer.queue, token: lock.token });
  }

  /** A client settled a peek-locked message on the link; the broker answers with a settled disposition. */
  private onOutcome(delivery: Delivery, kind: OutcomeKind): void {
    const locked = this.lockedDeliveries.get(delivery);
    if (!locked) return;
    this.lockedDeliveries.delete(delivery);
    try {
      applyOutcome(locked, kind, delivery);
      settle(delivery);
    } catch (error) {
      settle(delivery, toBrokerError(error));
    }
  }
}

function refuseAttach(link: Sender | Receiver, error: BrokerError): void {
  // No source/target on the answering attach, then a detach with the error: how Service Bus refuses a link.
  link.close(error.toAmqpError());
}

function creditOf(sender: Sender): number {
  const link = sender as unknown as LinkInternals;
  return Math.min(link.credit, link.session.outgoing.available());
}
