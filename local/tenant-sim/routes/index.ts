/**
 * Every Graph and Defender route the simulator serves, over one world of tenants. Each area lives in its own
 * module; `serveExportDownload` answers the unauthenticated download of finished report exports.
 */
import { type SimRoute } from '../contract';
import { type SimWorld } from '../model';
import { appRoutes } from './apps';
import { autopilotRoutes } from './autopilot';
import { bitlockerRoutes } from './bitlocker';
import { complianceRoutes } from './compliance';
import { defenderRoutes } from './defender';
import { groupRoutes } from './groups';
import { identityRoutes } from './identity';
import { managedDeviceRoutes } from './managed-devices';
import { policyRoutes } from './policies';
import { reportRoutes } from './reports';
import { userRoutes } from './users';

export { serveExportDownload, downloadPathPrefix } from './reports';

export function allRoutes(world: SimWorld): SimRoute[] {
  return [
    ...autopilotRoutes(world),
    ...managedDeviceRoutes(world),
    ...bitlockerRoutes(world),
    ...userRoutes(world),
    ...groupRoutes(world),
    ...policyRoutes(world),
    ...identityRoutes(world),
    ...appRoutes(world),
    ...reportRoutes(world),
    ...defenderRoutes(world),
    ...complianceRoutes(world),
  ];
}
