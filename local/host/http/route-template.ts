/**
 * ASP.NET-style route templates as Azure Functions HTTP triggers use them: literal segments,
 * `{name}`, optional `{name?}`, defaults `{name=value}`, catch-all `{*rest}`, and inline constraints
 * `{id:int}`, `{name:alpha:maxlength(8)}`, `{code:regex(^[a-z]{{3}}$)}`. Literals match case-insensitively.
 */
export class RouteTemplateError extends Error {
  override readonly name = 'RouteTemplateError';
}

type Constraint = (value: string) => boolean;

interface Parameter {
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue: string | undefined;
  readonly constraints: readonly Constraint[];
}

export interface RouteTemplate {
  readonly template: string;
  /** Lower sorts first: literal segments beat constrained parameters, which beat plain ones and catch-alls. */
  readonly precedence: readonly number[];
  match(path: string): Record<string, string> | undefined;
}

const isNumber = (v: string): boolean => v.trim() !== '' && Number.isFinite(Number(v));
const isInteger = (v: string): boolean => /^-?\d+$/.test(v);

function constraint(name: string, args: string[]): Constraint {
  const arg = (i: number): number => {
    const raw = args[i];
    if (raw === undefined || !isNumber(raw))
      throw new RouteTemplateError(`Constraint ${name} needs a numeric argument.`);
    return Number(raw);
  };
  switch (name.toLowerCase()) {
    case 'int':
      return (v) => isInteger(v) && Math.abs(Number(v)) <= 2 ** 31;
    case 'long':
      return isInteger;
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'decimal':
    case 'double':
    case 'float':
      return isNumber;
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'minlength':
      return (v) => v.length >= arg(0);
    case 'maxlength':
      return (v) => v.length <= arg(0);
    case 'length':
      return args.length > 1 ? (v) => v.length >= arg(0) && v.length <= arg(1) : (v) => v.length === arg(0);
    case 'min':
      return (v) => isInteger(v) && Number(v) >= arg(0);
    case 'max':
      return (v) => isInteger(v) && Number(v) <= arg(0);
    case 'range':
      return (v) => isInteger(v) && Number(v) >= arg(0) && Number(v) <= arg(1);
    case 'regex': {
      // Route templates double braces inside regex constraints so they are not read as parameters.
      const pattern = new RegExp(args.join(',').replace(/\{\{/g, '{').replace(/\}\}/g, '}'), 'i');
      return (v) => pattern.test(v);
    }
    default:
      throw new RouteTemplateError(`Unsupported route constraint "${name}".`);
  }
}

/** Splits `id:int:range(1,9)` into the name and its constraints, keeping commas and colons inside `(...)`. */
/** Index of the first `ch` outside parentheses (constraint arguments may contain any character). */
function indexOutsideParens(text: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    if (text[i] === ')') depth -= 1;
    if (text[i] === ch && depth === 0) return i;
  }
  return -1;
}

/** Parses `name:constraint(args):constraint=default` or `name:constraint?` (the suffix ends the parameter). */
function parseParameter(body: string): Parameter {
  let rest = body;
  let defaultValue: string | undefined;
  const eq = indexOutsideParens(rest, '=');
  if (eq >= 0) {
    defaultValue = rest.slice(eq + 1);
    rest = rest.slice(0, eq);
  }
  const optional = rest.endsWith('?');
  if (optional) rest = rest.slice(0, -1);
  const parts: string[] = [];
  for (let colon = indexOutsideParens(rest, ':'); colon >= 0; colon = indexOutsideParens(rest, ':')) {
    parts.push(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  parts.push(rest);
  const head = parts[0] ?? '';
  const catchAll = head.startsWith('*');
  const name = head.replace(/^\*+/, '');
  if (!/^[A-Za-z_]\w*$/.test(name)) throw new RouteTemplateError(`Invalid route parameter name "${name}".`);
  const constraints = parts.slice(1).map((spec) => {
    const m = /^(\w+)(?:\((.*)\))?$/s.exec(spec);
    if (!m?.[1]) throw new RouteTemplateError(`Invalid route constraint "${spec}".`);
    const args = m[2] === undefined ? [] : m[1].toLowerCase() === 'regex' ? [m[2]] : m[2].split(',');
    return constraint(m[1], args);
  });
  return { name, optional: optional || defaultValue !== undefined, catchAll, defaultValue, constraints };
}

interface Segment {
  readonly pattern: string;
  readonly parameters: readonly Parameter[];
  /** The whole segment is one optional parameter, so the segment itself may be absent. */
  readonly optional: boolean;
  readonly rank: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function findClosingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    if (text[i] === '}') depth -= 1;
    if (depth === 0) return i;
  }
  throw new RouteTemplateError(`Unbalanced braces in route segment "${text}".`);
}

function parseSegment(text: string): Segment {
  const pieces: (string | Parameter)[] = [];
  let rest = text;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open < 0) {
      pieces.push(rest);
      break;
    }
    if (open > 0) pieces.push(rest.slice(0, open));
    const close = findClosingBrace(rest, open);
    pieces.push(parseParameter(rest.slice(open + 1, close)));
    rest = rest.slice(close + 1);
  }
  const parameters = pieces.filter((p): p is Parameter => typeof p !== 'string');
  // Several parameters in one segment ({a}.{b}) split it lazily, as ASP.NET does.
  const capture = parameters.length > 1 ? '([^/]+?)' : '([^/]+)';
  const pattern = pieces
    .map((p) => (typeof p === 'string' ? escapeRegExp(p) : p.catchAll ? '(.*)' : capture))
    .join('');
  const single = pieces.length === 1 ? parameters[0] : undefined;
  const rank =
    parameters.length === 0
      ? 1
      : parameters.some((p) => p.catchAll)
        ? 6
        : single?.optional
          ? 5
          : parameters.every((p) => p.constraints.length > 0)
            ? 3
            : 4;
  return {
    pattern,
    parameters,
    optional: single !== undefined && (single.optional || single.catchAll),
    rank,
  };
}

/** Malformed percent-encoding cannot match any route (it answers 404, not 500). */
function safeDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const segments = template
    .split('/')
    .filter((s) => s.length > 0)
    .map(parseSegment);
  const firstOptional = segments.findIndex((s) => s.optional);
  if (firstOptional >= 0 && segments.slice(firstOptional).some((s) => !s.optional)) {
    throw new RouteTemplateError(`Route "${template}": optional parameters must come last.`);
  }
  const source = segments.map((s) => (s.optional ? `(?:/${s.pattern})?` : `/${s.pattern}`)).join('');
  const regex = new RegExp(`^${source}/?$`, 'i');
  const parameters = segments.flatMap((s) => s.parameters);
  return {
    template,
    precedence: segments.map((s) => s.rank),
    match(path) {
      const m = regex.exec(path);
      if (!m) return undefined;
      const values: Record<string, string> = {};
      for (const [i, parameter] of parameters.entries()) {
        const raw = m[i + 1];
        const absent = raw === undefined || raw === '';
        const value = absent ? parameter.defaultValue : safeDecode(raw);
        if (value === undefined) {
          // Absent and optional: fine. Required and absent, or malformed percent-encoding: no match.
          if (absent && (parameter.optional || parameter.catchAll)) continue;
          return undefined;
        }
        if (!parameter.constraints.every((check) => check(value))) return undefined;
        values[parameter.name] = value;
      }
      return values;
    },
  };
}

export function comparePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i += 1) {
    // A missing segment sorts after any present one: /items/{id} is tried before /items.
    const diff = (a.precedence[i] ?? 7) - (b.precedence[i] ?? 7);
    if (diff !== 0) return diff;
  }
  return 0;
}
