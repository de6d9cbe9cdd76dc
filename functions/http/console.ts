import { app } from '@azure/functions';
import { composition } from '../../shared/composition';
import { httpEntry } from '../../shared/http/problem';

app.http('console', {
  route: 'console/{*path}',
  methods: ['GET', 'HEAD'],
  authLevel: 'anonymous', // static files; the API behind them takes Entra ID tokens
  handler: httpEntry(() => composition().console.handler),
});
