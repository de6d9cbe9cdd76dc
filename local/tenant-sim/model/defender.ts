/**
 * Defender for Endpoint machine actions. A reachable sensor picks an action up within a minute and reports
 * the result; an unreachable one leaves it Pending until it times out. Defender refuses a second action of
 * the same type while one is still pending or running on the machine.
 */
import { type SimDevice } from './device';
import { badRequest, notFound } from './errors';
import { type IdSpace } from './ids';
import { type LifecycleDelays } from './spec';

export type MachineActionStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'TimeOut';

/** Defender gives up on an action the device never picked up after three days. */
const actionTimeout = 3 * 24 * 3_600_000;

export class MachineAction {
  constructor(
    private readonly ids: IdSpace,
    readonly ordinal: number,
    readonly type: 'RunAntiVirusScan',
    readonly scope: 'Quick' | 'Full',
    /** The app (client id) that asked for it. */
    readonly requestor: string,
    readonly comment: string,
    readonly device: SimDevice,
    readonly createdAt: number,
    readonly startsAt: number,
    readonly completesAt: number,
  ) {}

  get id(): string {
    return this.ids.guid(this.ordinal);
  }

  status(now: number): MachineActionStatus {
    if (now >= this.completesAt) return 'Succeeded';
    if (now >= this.startsAt) return 'InProgress';
    return now >= this.createdAt + actionTimeout ? 'TimeOut' : 'Pending';
  }

  lastUpdatedAt(now: number): number {
    switch (this.status(now)) {
      case 'Succeeded':
        return this.completesAt;
      case 'InProgress':
        return this.startsAt;
      case 'TimeOut':
        return this.createdAt + actionTimeout;
      default:
        return this.createdAt;
    }
  }

  isActive(now: number): boolean {
    const status = this.status(now);
    return status === 'Pending' || status === 'InProgress';
  }
}

export class DefenderActions {
  private readonly actions: MachineAction[] = [];

  constructor(
    private readonly ids: IdSpace,
    private readonly delays: LifecycleDelays,
  ) {}

  runAntivirusScan(
    device: SimDevice,
    scope: 'Quick' | 'Full',
    comment: string,
    requestor: string,
    now: number,
  ): MachineAction {
    if (
      this.actions.some(
        (action) => action.device === device && action.type === 'RunAntiVirusScan' && action.isActive(now),
      )
    ) {
      throw badRequest('ActiveRequestAlreadyExists', 'Action is already in progress');
    }
    const reachable = device.defenderHealth(now) === 'Active';
    const startsAt = reachable ? now + this.delays.machineActionPickupMs : Number.POSITIVE_INFINITY;
    const completesAt = startsAt + this.delays.antivirusScanMs;
    const action = new MachineAction(
      this.ids,
      this.actions.length,
      'RunAntiVirusScan',
      scope,
      requestor,
      comment,
      device,
      now,
      startsAt,
      completesAt,
    );
    this.actions.push(action);
    if (reachable) device.recordDefenderScan(now, completesAt, scope === 'Full');
    return action;
  }

  all(): readonly MachineAction[] {
    return this.actions;
  }

  get(id: string): MachineAction {
    const ordinal = this.ids.ordinalOf(id);
    const action = ordinal === undefined ? undefined : this.actions[ordinal];
    if (!action) throw notFound('ResourceNotFound', `MachineAction ${id} was not found`);
    return action;
  }
}
