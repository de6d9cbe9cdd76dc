import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';
import { httpEntry } from '../../shared/http/problem';
import { functionNameOf, type OperatorRouteName, operatorRoutes } from '../../shared/operators/routes';

// The operator API: one function per route of the table, authenticated by Entra ID bearer tokens, not function keys.
for (const [name, route] of Object.entries(operatorRoutes) as [
  OperatorRouteName,
  (typeof operatorRoutes)[OperatorRouteName],
][]) {
  app.http(functionNameOf(name), {
    route: `v1/${route.path}`,
    methods: [route.method],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: httpEntry(() => composition().operators.routes[name]),
  });
}
