// A small BBQL (Bitbucket query language) evaluator for the `q=` filters the connector sends.
// Grammar: expr := and (OR and)* ; and := atom (AND atom)* ; atom := '(' expr ')' | path op literal
import { badRequest } from './http.js';

type Literal = string | number | boolean | null;
type Op = '=' | '!=' | '~' | '!~' | '>' | '>=' | '<' | '<=';
type Node =
  { kind: 'or' | 'and'; left: Node; right: Node } | { kind: 'cmp'; field: string; op: Op; value: Literal };

/** Field name → how to read it from an item; a field missing here is a 400, never silently ignored. */
export type BbqlFields<T> = Record<string, (item: T) => Literal | undefined>;

const TOKEN =
  /\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|(!=|>=|<=|!~|=|~|>|<)|([A-Za-z_][\w.]*)|(-?\d+(?:\.\d+)?))/y;

type Token = { type: 'lp' | 'rp' | 'str' | 'op' | 'word' | 'num'; text: string };

function tokenize(q: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < q.length) {
    if (/^\s*$/.test(q.slice(index))) break;
    TOKEN.lastIndex = index;
    const m = TOKEN.exec(q);
    if (!m) throw badRequest(`Invalid query: unexpected input at position ${index}`, q);
    index = TOKEN.lastIndex;
    if (m[1]) tokens.push({ type: 'lp', text: m[1] });
    else if (m[2]) tokens.push({ type: 'rp', text: m[2] });
    else if (m[3]) tokens.push({ type: 'str', text: JSON.parse(m[3]) as string });
    else if (m[4]) tokens.push({ type: 'op', text: m[4] });
    else if (m[5]) tokens.push({ type: 'word', text: m[5] });
    else if (m[6]) tokens.push({ type: 'num', text: m[6] });
  }
  return tokens;
}

export function parseBbql(q: string): Node {
  const tokens = tokenize(q);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    throw badRequest(`Invalid query: ${what}`, q);
  };
  const keyword = (word: string) => {
    const t = peek();
    if (t?.type === 'word' && t.text.toUpperCase() === word) {
      i++;
      return true;
    }
    return false;
  };
  const atom = (): Node => {
    const t = tokens[i++];
    if (!t) return fail('unexpected end');
    if (t.type === 'lp') {
      const inner = expr();
      if (tokens[i++]?.type !== 'rp') fail('missing ")"');
      return inner;
    }
    if (t.type !== 'word') return fail(`expected a field name, found "${t.text}"`);
    const op = tokens[i++];
    if (op?.type !== 'op') return fail(`expected an operator after "${t.text}"`);
    const v = tokens[i++];
    let value: Literal;
    if (v?.type === 'str') value = v.text;
    else if (v?.type === 'num') value = Number(v.text);
    else if (v?.type === 'word' && ['true', 'false', 'null'].includes(v.text))
      value = JSON.parse(v.text) as Literal;
    else return fail(`expected a value after "${t.text} ${op.text}"`);
    return { kind: 'cmp', field: t.text, op: op.text as Op, value };
  };
  const and = (): Node => {
    let left = atom();
    while (keyword('AND')) left = { kind: 'and', left, right: atom() };
    return left;
  };
  const expr = (): Node => {
    let left = and();
    while (keyword('OR')) left = { kind: 'or', left, right: and() };
    return left;
  };
  const node = expr();
  if (i < tokens.length) fail(`unexpected "${tokens[i]?.text ?? ''}"`);
  return node;
}

function compare(actual: Literal | undefined, op: Op, expected: Literal): boolean {
  const a = actual ?? null;
  switch (op) {
    case '=':
      return a === expected;
    case '!=':
      return a !== expected;
    case '~':
      return (
        typeof a === 'string' &&
        String(expected) !== '' &&
        a.toLowerCase().includes(String(expected).toLowerCase())
      );
    case '!~':
      return !(typeof a === 'string' && a.toLowerCase().includes(String(expected).toLowerCase()));
    default: {
      if (a === null || expected === null) return false;
      if (op === '>') return a > expected;
      if (op === '>=') return a >= expected;
      if (op === '<') return a < expected;
      return a <= expected;
    }
  }
}

/** Compiles `q` against the fields an endpoint supports; throws 400 for syntax or unknown fields. */
export function compileBbql<T>(q: string, fields: BbqlFields<T>): (item: T) => boolean {
  const node = parseBbql(q);
  const check = (n: Node): void => {
    if (n.kind === 'cmp') {
      if (!Object.hasOwn(fields, n.field))
        throw badRequest(`Invalid query: field "${n.field}" is not supported here`, q);
    } else {
      check(n.left);
      check(n.right);
    }
  };
  check(node);
  const run = (n: Node, item: T): boolean => {
    if (n.kind !== 'cmp')
      return n.kind === 'and'
        ? run(n.left, item) && run(n.right, item)
        : run(n.left, item) || run(n.right, item);
    const read = fields[n.field] as (item: T) => Literal | undefined;
    return compare(read(item), n.op, n.value);
  };
  return (item) => run(node, item);
}
