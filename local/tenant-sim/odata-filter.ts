/**
 * The `$filter` subset Graph and Defender accept for the app's queries: comparisons (`eq ne gt ge lt le`),
 * `and`, `or`, `not`, parentheses, `in (...)`, `startswith`/`endswith`/`contains`, and lambda `any`/`all`
 * over collections (`assignedLicenses/any(l:l/skuId eq 06eb...)`), on nested paths (`a/b`).
 * Literals: 'strings' ('' escapes a quote), numbers, true/false/null, unquoted date-times and GUIDs.
 * String comparison ignores case, as Graph's directory and Intune filters do.
 */
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; operator: ComparisonOperator; left: Operand; right: Operand }
  | { kind: 'in'; left: Operand; values: Literal[] }
  | { kind: 'function'; name: StringFunction; target: Operand; argument: Operand }
  | {
      kind: 'lambda';
      quantifier: 'any' | 'all';
      collection: string[];
      variable: string;
      predicate: FilterNode;
    }
  | { kind: 'value'; operand: Operand };

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type StringFunction = 'startswith' | 'endswith' | 'contains';
type Literal = { kind: 'literal'; value: string | number | boolean | null; isDate: boolean };
type Operand = Literal | { kind: 'path'; path: string[] };

const comparisonOperators = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const stringFunctions = new Set<string>(['startswith', 'endswith', 'contains']);

type Token =
  | { type: 'string'; text: string }
  | { type: 'number' | 'date' | 'guid' | 'word'; text: string }
  | { type: '(' | ')' | ',' | ':' };

const tokenPattern =
  /\s*(?:'((?:[^']|'')*)'|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))|([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![\w-])|(-?\d+(?:\.\d+)?)(?![\w-])|([A-Za-z_@$][\w/.@$]*)|([(),:]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  tokenPattern.lastIndex = 0;
  while (tokenPattern.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(tokenPattern.lastIndex))) break;
    const at = tokenPattern.lastIndex;
    const match = tokenPattern.exec(text);
    if (!match) throw new Error(`unexpected character at position ${at}: '${text.slice(at, at + 10)}'`);
    if (match[1] !== undefined) tokens.push({ type: 'string', text: match[1].replace(/''/g, "'") });
    else if (match[2] !== undefined) tokens.push({ type: 'date', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ type: 'guid', text: match[3] });
    else if (match[4] !== undefined) tokens.push({ type: 'number', text: match[4] });
    else if (match[5] !== undefined) tokens.push({ type: 'word', text: match[5] });
    else tokens.push({ type: match[6] as '(' | ')' | ',' | ':' });
  }
  return tokens;
}

/** Parses a `$filter` expression. Throws an Error whose message says what is wrong. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const isWord = (token: Token | undefined, word: string): boolean =>
    token?.type === 'word' && token.text.toLowerCase() === word;
  const expect = (type: Token['type']): Token => {
    const token = tokens[position++];
    if (token?.type !== type) throw new Error(`expected '${type}' but found ${describe(token)}`);
    return token;
  };

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      position++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      position++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): FilterNode => {
    if (isWord(peek(), 'not')) {
      position++;
      return { kind: 'not', operand: parseUnary() };
    }
    return parsePredicate();
  };
  const parsePredicate = (): FilterNode => {
    const token = peek();
    if (token?.type === '(') {
      position++;
      const inner = parseOr();
      expect(')');
      return inner;
    }
    if (
      token?.type === 'word' &&
      stringFunctions.has(token.text.toLowerCase()) &&
      tokens[position + 1]?.type === '('
    ) {
      position += 2;
      const target = parseOperand();
      expect(',');
      const argument = parseOperand();
      expect(')');
      const call: FilterNode = {
        kind: 'function',
        name: token.text.toLowerCase() as StringFunction,
        target,
        argument,
      };
      return parseFunctionComparison(call);
    }
    const lambda = /^(.+)\/(any|all)$/i.exec(token?.type === 'word' ? token.text : '');
    if (lambda && tokens[position + 1]?.type === '(') {
      position += 2;
      const variable = expect('word');
      expect(':');
      const predicate = parseOr();
      expect(')');
      return {
        kind: 'lambda',
        quantifier: (lambda[2] as string).toLowerCase() as 'any' | 'all',
        collection: (lambda[1] as string).split('/'),
        variable: (variable as { text: string }).text,
        predicate,
      };
    }
    const left = parseOperand();
    const operator = peek();
    if (isWord(operator, 'in')) {
      position++;
      expect('(');
      const values: Literal[] = [];
      for (;;) {
        const value = parseOperand();
        if (value.kind !== 'literal') throw new Error("'in' takes a list of literals");
        values.push(value);
        if (peek()?.type === ',') position++;
        else break;
      }
      expect(')');
      return { kind: 'in', left, values };
    }
    if (operator?.type === 'word' && comparisonOperators.has(operator.text.toLowerCase())) {
      position++;
      return {
        kind: 'compare',
        operator: operator.text.toLowerCase() as ComparisonOperator,
        left,
        right: parseOperand(),
      };
    }
    if (left.kind === 'path') return { kind: 'value', operand: left };
    throw new Error(`expected a comparison after ${describe(token)}`);
  };
  // `startswith(a,'b') eq true` is legal OData; a bare call is the usual form.
  const parseFunctionComparison = (call: FilterNode): FilterNode => {
    const next = peek();
    if (next?.type === 'word' && (next.text.toLowerCase() === 'eq' || next.text.toLowerCase() === 'ne')) {
      position++;
      const literal = parseOperand();
      if (literal.kind !== 'literal' || typeof literal.value !== 'boolean')
        throw new Error('a function result compares only with true or false');
      const wantsTrue = (next.text.toLowerCase() === 'eq') === literal.value;
      return wantsTrue ? call : { kind: 'not', operand: call };
    }
    return call;
  };
  const parseOperand = (): Operand => {
    const token = tokens[position++];
    switch (token?.type) {
      case 'string':
        return { kind: 'literal', value: token.text, isDate: false };
      case 'date':
        return { kind: 'literal', value: token.text, isDate: true };
      case 'guid':
        return { kind: 'literal', value: token.text, isDate: false };
      case 'number':
        return { kind: 'literal', value: Number(token.text), isDate: false };
      case 'word': {
        const lower = token.text.toLowerCase();
        if (lower === 'true' || lower === 'false')
          return { kind: 'literal', value: lower === 'true', isDate: false };
        if (lower === 'null') return { kind: 'literal', value: null, isDate: false };
        if (
          comparisonOperators.has(lower) ||
          lower === 'and' ||
          lower === 'or' ||
          lower === 'not' ||
          lower === 'in'
        ) {
          throw new Error(`unexpected keyword '${token.text}'`);
        }
        return { kind: 'path', path: token.text.split('/') };
      }
      default:
        throw new Error(`expected a property or a literal but found ${describe(token)}`);
    }
  };

  if (tokens.length === 0) throw new Error('the expression is empty');
  const tree = parseOr();
  if (position < tokens.length) throw new Error(`unexpected ${describe(tokens[position])}`);
  return tree;
}

function describe(token: Token | undefined): string {
  if (!token) return 'the end of the expression';
  return 'text' in token ? `'${token.text}'` : `'${token.type}'`;
}

/** Property paths (outside lambda variables) the filter reads, e.g. for checking which are filterable. */
export function filterPaths(node: FilterNode, bound: ReadonlySet<string> = new Set()): string[][] {
  const operandPaths = (operand: Operand): string[][] =>
    operand.kind === 'path' && !bound.has(operand.path[0] as string) ? [operand.path] : [];
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...filterPaths(node.left, bound), ...filterPaths(node.right, bound)];
    case 'not':
      return filterPaths(node.operand, bound);
    case 'compare':
      return [...operandPaths(node.left), ...operandPaths(node.right)];
    case 'in':
      return operandPaths(node.left);
    case 'function':
      return [...operandPaths(node.target), ...operandPaths(node.argument)];
    case 'lambda':
      return [node.collection, ...filterPaths(node.predicate, new Set([...bound, node.variable]))];
    case 'value':
      return operandPaths(node.operand);
  }
}

type Scope = Readonly<Record<string, unknown>>;

/** Whether `item` satisfies the filter. */
export function evaluateFilter(node: FilterNode, item: unknown): boolean {
  return evaluate(node, item, {});
}

function evaluate(node: FilterNode, item: unknown, scope: Scope): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, item, scope) && evaluate(node.right, item, scope);
    case 'or':
      return evaluate(node.left, item, scope) || evaluate(node.right, item, scope);
    case 'not':
      return !evaluate(node.operand, item, scope);
    case 'compare':
      return compare(
        node.operator,
        resolve(node.left, item, scope),
        resolve(node.right, item, scope),
        isDateOperand(node),
      );
    case 'in': {
      const value = resolve(node.left, item, scope);
      return node.values.some((literal) => compare('eq', value, literal.value, literal.isDate));
    }
    case 'function': {
      const target = resolve(node.target, item, scope);
      const argument = resolve(node.argument, item, scope);
      if (typeof target !== 'string' || typeof argument !== 'string') return false;
      const haystack = target.toLowerCase();
      const needle = argument.toLowerCase();
      if (node.name === 'startswith') return haystack.startsWith(needle);
      if (node.name === 'endswith') return haystack.endsWith(needle);
      return haystack.includes(needle);
    }
    case 'lambda': {
      const collection = readPath(item, node.collection, scope);
      if (!Array.isArray(collection)) return false;
      const test = (element: unknown): boolean =>
        evaluate(node.predicate, item, { ...scope, [node.variable]: element });
      return node.quantifier === 'any' ? collection.some(test) : collection.every(test);
    }
    case 'value':
      return resolve(node.operand, item, scope) === true;
  }
}

function isDateOperand(node: { left: Operand; right: Operand }): boolean {
  return (
    (node.left.kind === 'literal' && node.left.isDate) || (node.right.kind === 'literal' && node.right.isDate)
  );
}

function resolve(operand: Operand, item: unknown, scope: Scope): unknown {
  return operand.kind === 'literal' ? operand.value : readPath(item, operand.path, scope);
}

function readPath(item: unknown, path: readonly string[], scope: Scope): unknown {
  const head = path[0] as string;
  let value: unknown = head in scope ? scope[head] : item;
  for (const segment of head in scope ? path.slice(1) : path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function compare(operator: ComparisonOperator, left: unknown, right: unknown, asDates: boolean): boolean {
  let a = normalise(left, asDates);
  let b = normalise(right, asDates);
  if (typeof a === 'string' && typeof b === 'string') {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  switch (operator) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    default: {
      if (a === null || b === null || typeof a !== typeof b) return false;
      const x = a as number | string;
      const y = b as number | string;
      if (operator === 'gt') return x > y;
      if (operator === 'ge') return x >= y;
      if (operator === 'lt') return x < y;
      return x <= y;
    }
  }
}

/** Dates compare as instants (so '…Z' and '…+00:00' agree); a missing property is null. */
function normalise(value: unknown, asDates: boolean): unknown {
  if (value === undefined) return null;
  if (asDates && typeof value === 'string') {
    const instant = Date.parse(value);
    return Number.isNaN(instant) ? value : instant;
  }
  if (value instanceof Date) return value.getTime();
  return value;
}
