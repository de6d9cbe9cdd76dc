import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../../shared/composition';
import { httpEntry } from '../../shared/http/problem';
import { functionNameOf, operatorRouteEntries } from '../../shared/operators/routes';

for (const [name, route] of operatorRouteEntries()) {
  app.http(functionNameOf(name), {
    route: `api/v1/${route.path}`,
    methods: [route.method],
    authLevel: 'anonymous', // one function per route of the table; Entra ID bearer tokens, not function keys
    extraInputs: [df.input.durableClient()],
    handler: httpEntry(() => composition().operators.routes[name]),
  });
}
