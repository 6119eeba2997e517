import { fromUtf8, unb64u, VERSION } from './encoding';
import { ProtocolError } from './errors';
import { B64U_LENGTHS, MEMBER_KINDS, type MemberKind, NULLABLE } from './members';
import { parseTime } from './time';

/** A JSON object as parsed here: own members only, in document order. */
export type JsonObject = { [member: string]: unknown };

const MAX_DEPTH = 128;

/**
 * Numbers written with a fraction or exponent, per parsed object, by member name or array index.
 * JSON.parse would make `3.0` and `3` the same number; the reference client reads `3.0` as a float
 * and refuses it where an integer is required, so the difference is kept here, beside the value.
 */
const nonIntegerLiterals = new WeakMap<object, Set<string | number>>();

/**
 * Parses strict RFC 8259 JSON from UTF-8 bytes (§1).
 *
 * Contract: invalid UTF-8, a byte-order mark, anything outside RFC 8259 (trailing commas,
 * comments, NaN, single quotes, control characters in strings, trailing data), more than 128
 * arrays and objects nested, a number that is not a finite double, an integer (no fraction or
 * exponent) beyond ±(2^53 − 1), a `\u` escape of a lone surrogate, and an object with a member
 * name twice (after unescaping) all fail with `malformed`. JSON.parse would silently keep the
 * last duplicate, letting two readers see two different documents.
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  return parseJson(fromUtf8(bytes));
}

/** As parseJsonBytes, for text already decoded. */
export function parseJson(text: string): unknown {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value(0);
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('trailing data');
  return value;
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos === this.text.length;
  }

  fail(why: string): never {
    throw new ProtocolError('malformed', `not JSON: ${why} at ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }

  /** A value inside `depth` arrays and objects; a container there is at nesting level depth + 1. */
  value(depth: number): unknown {
    const c = this.text[this.pos];
    if ((c === '{' || c === '[') && depth + 1 > MAX_DEPTH) this.fail('nested deeper than 128');
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number().value;
    for (const [word, result] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    return this.fail('unexpected character');
  }

  private expect(char: string): void {
    if (this.text[this.pos] !== char) this.fail(`expected ${char}`);
    this.pos++;
  }

  private object(depth: number): JsonObject {
    const result: JsonObject = {};
    const floats = new Set<string | number>();
    this.expect('{');
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      const name = this.string();
      if (Object.hasOwn(result, name)) this.fail(`duplicate member ${JSON.stringify(name)}`);
      this.skipSpace();
      this.expect(':');
      this.skipSpace();
      const isFloat = this.peekNumberIsFloat();
      // defineProperty, not assignment: a member named "__proto__" stays an ordinary member.
      Object.defineProperty(result, name, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (isFloat) floats.add(name);
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      this.expect(',');
    }
    this.pos++;
    if (floats.size > 0) nonIntegerLiterals.set(result, floats);
    return result;
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    const floats = new Set<string | number>();
    this.expect('[');
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.peekNumberIsFloat()) floats.add(result.length);
      result.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ']') break;
      this.expect(',');
    }
    this.pos++;
    if (floats.size > 0) nonIntegerLiterals.set(result, floats);
    return result;
  }

  private peekNumberIsFloat(): boolean {
    const c = this.text[this.pos];
    if (c !== '-' && !(c !== undefined && c >= '0' && c <= '9')) return false;
    const start = this.pos;
    const { isFloat } = this.number();
    this.pos = start;
    return isFloat;
  }

  private number(): { value: number; isFloat: boolean } {
    const match = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (found === null) return this.fail('bad number');
    this.pos += found[0].length;
    const value = Number(found[0]);
    const isFloat = found[1] !== undefined || found[2] !== undefined;
    // §1: every number a finite double, and an integer (no fraction, no exponent) within
    // ±(2^53 − 1), so no reader rounds it to a neighbour another reader keeps exact.
    if (!Number.isFinite(value)) this.fail('number beyond a double');
    if (!isFloat && !Number.isSafeInteger(value)) this.fail('integer beyond 2^53 - 1');
    return { value, isFloat };
  }

  private string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') break;
      if (c < ' ') this.fail('control character in string');
      if (c === '\\') {
        out += this.escape();
        continue;
      }
      out += c;
      this.pos++;
    }
    this.pos++;
    return out;
  }

  private escape(): string {
    const c = this.text[this.pos + 1];
    this.pos += 2;
    const simple: Record<string, string> = {
      '"': '"',
      '\\': '\\',
      '/': '/',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
    };
    if (c !== undefined && Object.hasOwn(simple, c)) return simple[c]!;
    if (c !== 'u') return this.fail('bad escape');
    const unit = this.hex4();
    // §1: a surrogate only as a high one escaped right before a low one. A lone one has no UTF-8
    // form, so readers would disagree on it (RFC 8259 §8.2); the reference client refuses it.
    if (unit >= 0xdc00 && unit <= 0xdfff) this.fail('lone surrogate');
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    if (!this.text.startsWith('\\u', this.pos)) this.fail('lone surrogate');
    this.pos += 2;
    const low = this.hex4();
    if (low < 0xdc00 || low > 0xdfff) this.fail('lone surrogate');
    return String.fromCharCode(unit, low);
  }

  private hex4(): number {
    const hex = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
    this.pos += 4;
    return parseInt(hex, 16);
  }
}

/** JSON equality (PROTOCOL.md §7): object members in any order, arrays in order, `true` is not 1. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

/** True when `value` is a JSON object (not an array or null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` as a JSON object with exactly the members allowed, checked in §1's order.
 *
 * Contract: steps 2, 3, 6, 7 and 8 of §1 "Checking an object", each with its one code: not an
 * object is `malformed`; when the object defines `v` (it is required), a `v` that is absent or
 * not the integer 1 is `unsupported_version`, before anything else is read; a required member
 * missing or a member this version does not define is `malformed`; a member not of its JSON type
 * (members.ts) is `malformed`; a b64u member not canonical, or not of the length §1 fixes, is
 * `bad_encoding`. The section's own checks (step 9) are the caller's.
 */
export function expectObject(
  value: unknown,
  required: readonly string[],
  optional: readonly string[] = [],
  versions: readonly number[] = [VERSION],
): JsonObject {
  if (!isObject(value)) throw new ProtocolError('malformed', 'expected a JSON object');
  if (required.includes('v') && !isVersion(value['v'], value, 'v', versions)) {
    throw new ProtocolError('unsupported_version', `v is not ${versions.join(' or ')}`);
  }
  const allowed = new Set([...required, ...optional]);
  const names = Object.keys(value);
  if (!required.every((name) => Object.hasOwn(value, name)) || !names.every((name) => allowed.has(name))) {
    throw new ProtocolError('malformed', `members are not ${[...allowed].join(', ')}`);
  }
  for (const name of names) checkType(value, name);
  for (const name of names) {
    const kind = MEMBER_KINDS.get(name);
    if (kind !== undefined && B64U_LENGTHS.has(kind) && value[name] !== null)
      unb64u(value[name], B64U_LENGTHS.get(kind));
  }
  return value;
}

/** §1 step 7: `holder[name]` has the JSON type members.ts gives its name, else `malformed`. */
function checkType(holder: JsonObject, name: string): void {
  const kind = MEMBER_KINDS.get(name);
  const member = holder[name];
  // An object member is checked whole, its type first, where its section reads it (§1 step 9).
  if (kind === undefined || kind === 'object' || (member === null && NULLABLE.has(name))) return;
  if (kind === 'time') parseTime(member);
  else if (kind === 'u32') expectInt(holder, name);
  else if (kind === 'u53') expectInt(holder, name, 0, Number.MAX_SAFE_INTEGER);
  else if (kind === 'integer') expectInt(holder, name, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  else if (!hasJsonType(member, kind))
    throw new ProtocolError('malformed', `${name} is not of its JSON type (${kind})`);
}

function hasJsonType(member: unknown, kind: MemberKind): boolean {
  if (kind === 'boolean') return typeof member === 'boolean';
  return typeof member === 'string';
}

/** A signed payload's version: anything but one of `versions` as an integer, absent included, is `unsupported_version`. */
export function checkPayloadVersion(document: JsonObject, versions: readonly number[] = [VERSION]): void {
  if (!isVersion(document['v'], document, 'v', versions))
    throw new ProtocolError('unsupported_version', `v is not ${versions.join(' or ')}`);
}

function isVersion(value: unknown, holder: object, name: string, versions: readonly number[]): boolean {
  return typeof value === 'number' && versions.includes(value) && !nonIntegerLiterals.get(holder)?.has(name);
}

/** `holder[name]` as an integer in [low, high]; a float literal, a boolean or anything else is `malformed`. */
export function expectInt(holder: JsonObject, name: string, low = 0, high = 0xffffffff): number {
  const value = holder[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || nonIntegerLiterals.get(holder)?.has(name)) {
    throw new ProtocolError('malformed', `${name} is not an integer`);
  }
  if (value < low || value > high) throw new ProtocolError('malformed', `${name} is out of range`);
  return value;
}

export function expectString(holder: JsonObject, name: string): string {
  const value = holder[name];
  if (typeof value !== 'string') throw new ProtocolError('malformed', `${name} is not a string`);
  return value;
}

export function expectArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new ProtocolError('malformed', 'expected a JSON array');
  return value;
}

/** Compact JSON as UTF-8, the form this side signs; the signed bytes then travel as they are. */
export function dumpJson(document: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(document));
}
