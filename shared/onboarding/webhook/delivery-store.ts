import { type Container } from '@azure/cosmos';
import { ConflictError, NotFoundError } from '../../errors';
import { cosmosCall } from '../../platform/cosmos/errors';

/**
 * Remembers webhook delivery ids so that a captured delivery cannot be replayed inside its five-minute signature
 * window. Creating the record is the atomic claim: Cosmos answers 409 to the second creator. In Azure the container
 * has a default TTL of a day (the local emulator does not expire items, which only costs disk there).
 */
export class DeliveryStore {
  constructor(private readonly container: Container) {}

  /** True when this call claimed the delivery; false when it had been claimed before (a replay). */
  async claim(
    source: string,
    deliveryId: string,
    details: { receivedAt: string; tenantId: string; orderId: string },
  ): Promise<boolean> {
    try {
      await cosmosCall(`claim delivery ${deliveryId}`, () =>
        this.container.items.create({ id: deliveryId, source, ...details }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConflictError) return false;
      throw error;
    }
  }

  /** Gives a claim back when the delivery could not be taken in, so the sender's retry is accepted. */
  async release(source: string, deliveryId: string): Promise<void> {
    try {
      await cosmosCall(`release delivery ${deliveryId}`, () =>
        this.container.item(deliveryId, source).delete(),
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
}
