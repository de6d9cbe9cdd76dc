/**
 * Matches a request path to a SimRoute. Segments compare case-insensitively (as Graph's do); a `{name}`
 * segment matches `/value` and also OData key syntax `('value')` glued to the previous segment.
 */
import { type ApiSurface, type SimRoute } from './contract';

export type RouteMatch =
  | { kind: 'found'; route: SimRoute; params: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

interface CompiledRoute {
  route: SimRoute;
  regex: RegExp;
  names: string[];
  literalSegments: number;
}

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly SimRoute[]) {
    // More literal segments first, so `/managedDevices/$count` wins over `/managedDevices/{id}`.
    this.compiled = routes.map(compile).sort((a, b) => b.literalSegments - a.literalSegments);
  }

  match(surface: ApiSurface, method: string, path: string): RouteMatch {
    const normalised = normalisePath(path);
    let pathExists = false;
    for (const candidate of this.compiled) {
      if (!candidate.route.surfaces.includes(surface)) continue;
      const found = candidate.regex.exec(normalised);
      if (!found) continue;
      if (candidate.route.method !== method) {
        pathExists = true;
        continue;
      }
      const params: Record<string, string> = {};
      candidate.names.forEach((name, index) => {
        const raw = found[2 * index + 1] ?? found[2 * index + 2] ?? '';
        params[name] = safeDecode(raw);
      });
      return { kind: 'found', route: candidate.route, params };
    }
    return pathExists ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  }
}

/** Clients may percent-encode `$`, quotes and parentheses; Graph treats them as the plain characters. */
function normalisePath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.replace(/%24/gi, '$').replace(/%27/g, "'").replace(/%28/g, '(').replace(/%29/g, ')');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function compile(route: SimRoute): CompiledRoute {
  const names: string[] = [];
  let literalSegments = 0;
  const parts = route.pattern.split('/').filter((part) => part !== '');
  let source = '';
  for (const part of parts) {
    const param = /^\{(\w+)\}$/.exec(part);
    if (param) {
      names.push(param[1] as string);
      source += String.raw`(?:/([^/()']+)|\('([^']*)'\))`;
    } else {
      literalSegments++;
      source += `/${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    }
  }
  return { route, regex: new RegExp(`^${source || '/'}$`, 'i'), names, literalSegments };
}
