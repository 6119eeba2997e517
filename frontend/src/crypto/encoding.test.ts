import { describe, expect, it } from 'vitest';
import { failsWith } from '../testing/crypto';
import { recordKey } from './circleKeys';
import { b64u, ctx, fromHex, toHex, u32, unb64u } from './encoding';
import { checkPayloadVersion, expectInt, expectObject, parseJson, parseJsonBytes } from './json';
import { pad, unpad } from './padding';
import { hkdf } from './primitives';

describe('b64u', () => {
  it('round-trips every length around a block boundary', () => {
    for (let n = 0; n < 10; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 0xff);
      expect(unb64u(b64u(bytes))).toEqual(bytes);
    }
  });

  it.each([
    ['padding', 'AQ=='],
    ['standard alphabet', 'a+/b'],
    ['whitespace', 'AQ ID'],
    ['newline', 'AQID\n'],
    ['length 1 mod 4', 'AQIDB'],
    ['trailing bits in 2 symbols', 'AR'],
    ['trailing bits in 3 symbols', 'AQJ'],
    ['non-ASCII', 'AQÍD'],
  ])('refuses %s with bad_encoding', async (_why, text) => {
    expect(await failsWith(() => unb64u(text))).toBe('bad_encoding');
  });

  it('refuses a non-string with malformed (a JSON type, §1 step 7) and a wrong length with bad_encoding', async () => {
    for (const value of [42, null, undefined, ['AQID'], { a: 'AQID' }])
      expect(await failsWith(() => unb64u(value)), String(value)).toBe('malformed');
    expect(await failsWith(() => unb64u('AQID', 4))).toBe('bad_encoding');
  });
});

describe('ctx', () => {
  it('length-prefixes the label and each field, big-endian', () => {
    expect(toHex(ctx('ab', fromHex('0102'), u32(3)))).toBe(
      '00000002' + '6162' + '00000002' + '0102' + '00000004' + '00000003',
    );
  });

  it('takes a text field as its UTF-8 bytes, ASCII or not', () => {
    expect(toHex(ctx('x', 'é', 'a'))).toBe('00000001' + '78' + '00000002' + 'c3a9' + '00000001' + '61');
    expect(toHex(ctx('é'))).toBe('00000002' + 'c3a9');
  });

  it('keeps field boundaries: ("a","bc") and ("ab","c") differ', () => {
    expect(toHex(ctx('x', 'a', 'bc'))).not.toBe(toHex(ctx('x', 'ab', 'c')));
  });
});

describe('the worked examples of §1', () => {
  it('derives record_key with the bare label as the HKDF info and the raw circle id as the salt', async () => {
    const key = unb64u('s-KI4Xa7249mlySaQ_mhxpZ3GA48idKIW2BBE8jvOlg');
    const circleId = unb64u('l6hESjjsYJOm8yqH3gn82g');
    expect(toHex(circleId)).toBe('97a8444a38ec6093a6f32a87de09fcda');
    const info = new TextEncoder().encode('support-circle/v1/record-key');
    expect(toHex(info)).toBe('737570706f72742d636972636c652f76312f7265636f72642d6b6579');
    expect(toHex(await recordKey(key, circleId))).toBe(
      '8dd1f57eea009616c0aee08bc1950838cd5790f14466793fc398eb8a34ad670b',
    );
    expect(toHex(await hkdf(key, circleId, info, 32))).toBe(toHex(await recordKey(key, circleId)));
    expect(toHex(await hkdf(key, circleId, ctx('support-circle/v1/record-key'), 32))).toBe(
      'f32e44474df4ca3efb0b96a8fe9b1d521f397215b6e270252b90145032c0b5f2',
    );
  });

  it('builds the HPKE info and an AEAD aad as ctx, a text field as its UTF-8', () => {
    const info = ctx(
      'support-circle/v1/key-envelope',
      unb64u('LQez5hVL5z2kaHrjMAuEtA'),
      u32(2),
      unb64u('Ky0qFQz6ZRuYqBvbmWu2tw'),
    );
    expect(toHex(info)).toBe(
      '0000001e737570706f72742d636972636c652f76312f6b65792d656e76656c6f7065' +
        '000000102d07b3e6154be73da4687ae3300b84b4' +
        '0000000400000002' +
        '000000102b2d2a150cfa651b98a81bdb996bb6b7',
    );
    expect(toHex(ctx('support-circle/v1/vault-wrap', unb64u('SUy380vjKTtJnh3lZrhATA'), 'passphrase'))).toBe(
      '0000001c737570706f72742d636972636c652f76312f7661756c742d77726170' +
        '00000010494cb7f34be3293b499e1de566b8404c' +
        '0000000a70617373706872617365',
    );
  });
});

describe('strict JSON', () => {
  it('parses what JSON.parse parses, members in order', () => {
    const text = '{"b":[1,-2.5e3,true,null,"\\u00e9\\n"],"a":{}}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
    expect(Object.keys(parseJson(text) as object)).toEqual(['b', 'a']);
  });

  it.each([
    ['a duplicate member', '{"v":1,"v":2}'],
    ['a nested duplicate', '{"a":{"x":1,"y":2,"x":3}}'],
    ['a duplicate spelled with an escape', '{"type":"a","typ\\u0065":"b"}'],
    ['a trailing comma', '{"a":1,}'],
    ['NaN', '{"a":NaN}'],
    ['single quotes', "{'a':1}"],
    ['a comment', '{"a":1 /* no */}'],
    ['trailing data', '{"a":1} x'],
    ['a raw control character', '{"a":"x\ty"}'],
    ['a leading zero', '{"a":01}'],
    ['an infinite number', '{"a":1e400}'],
    ['nesting past 128', '['.repeat(200) + ']'.repeat(200)],
    ['nothing', ''],
  ])('refuses %s with malformed', async (_why, text) => {
    expect(await failsWith(() => parseJson(text))).toBe('malformed');
  });

  it('refuses invalid UTF-8 and a byte-order mark with malformed', async () => {
    expect(await failsWith(() => parseJsonBytes(fromHex('7b2261223a22ff227d')))).toBe('malformed');
    expect(await failsWith(() => parseJsonBytes(fromHex('efbbbf7b7d')))).toBe('malformed');
  });

  it('reads an escaped surrogate pair and refuses a lone surrogate with malformed (§1)', async () => {
    expect(parseJson('"\\ud83d\\ude00"')).toBe('\u{1f600}');
    expect(parseJson('"\\uD83D\\uDE00"')).toBe('\u{1f600}');
    for (const text of [
      '"\\ud800"',
      '"\\udc00"',
      '"\\ud800x"',
      '"\\ud800\\u0041"',
      '"\\ud800\\ud800"',
      '"\\ude00\\ud83d"',
      '{"\\udfff":1}',
      '["a\\udbff"]',
    ]) {
      expect(await failsWith(() => parseJson(text)), text).toBe('malformed');
    }
  });

  it('allows 128 arrays and objects nested, and refuses 129 (§1)', async () => {
    const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const objects = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    const mixed = (n: number) => '[{"a":'.repeat(n / 2) + '1' + '}]'.repeat(n / 2);
    for (const make of [arrays, objects, mixed]) {
      expect(() => parseJson(make(128))).not.toThrow();
      expect(await failsWith(() => parseJson(make(130)))).toBe('malformed');
    }
    expect(await failsWith(() => parseJson(arrays(129)))).toBe('malformed');
    expect(await failsWith(() => parseJson(objects(129)))).toBe('malformed');
    expect(await failsWith(() => parseJson('['.repeat(100000) + ']'.repeat(100000)))).toBe('malformed');
  });

  it('reads integers within ±(2^53 − 1) and refuses those beyond (§1)', async () => {
    expect(parseJson('[9007199254740991,-9007199254740991,0,-0]')).toEqual([
      9007199254740991, -9007199254740991, 0, -0,
    ]);
    for (const text of [
      '9007199254740992',
      '-9007199254740992',
      '9007199254740993',
      '18446744073709551616',
      '1' + '0'.repeat(400),
    ]) {
      expect(await failsWith(() => parseJson(`{"a":${text}}`)), text).toBe('malformed');
    }
    // With a fraction or an exponent it is a double, not an integer: finite ones are read (and refused where an integer is required).
    const doc = expectObject(parseJson('{"a":9007199254740993.0,"b":1e300,"c":1e-400}'), ['a', 'b', 'c']);
    expect(doc['b']).toBe(1e300);
    expect(await failsWith(() => expectInt(doc, 'a'))).toBe('malformed');
    for (const text of ['1e400', '-1e400', '1.8e308'])
      expect(await failsWith(() => parseJson(`[${text}]`)), text).toBe('malformed');
  });

  it('refuses true, 1.0, "1" and null where an integer is required', async () => {
    // `count` has no kind in §1's table, so expectObject leaves its type to expectInt.
    for (const text of ['true', 'false', '1.0', '1e0', '"1"', 'null', '[1]', '{}']) {
      const doc = expectObject(parseJson(`{"count":${text}}`), ['count']);
      expect(await failsWith(() => expectInt(doc, 'count')), text).toBe('malformed');
    }
    expect(expectInt(expectObject(parseJson('{"count":1}'), ['count']), 'count')).toBe(1);
  });

  it('refuses RFC 8259 violations a lenient parser lets through', async () => {
    for (const text of [
      '{"a":1,}',
      '[1,]',
      '{"a":+1}',
      '{"a":.5}',
      '{"a":1.}',
      '{"a":0x10}',
      '{"a":NaN}',
      '{"a":Infinity}',
      "{'a':1}",
      '{"a":"\\x41"}',
      '{"a":"\\u12"}',
      '{"a":1}{}',
      '\u00a0{}',
      '{"a" 1}',
      'TRUE',
    ]) {
      expect(await failsWith(() => parseJson(text)), text).toBe('malformed');
    }
    expect(parseJson(' \t\r\n{"a":-0.5e-3} ')).toEqual({ a: -0.0005 });
  });

  it('keeps "__proto__" an ordinary member', () => {
    const parsed = parseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('tells 3.0 and 1e0 apart from integers, as the reference does', async () => {
    const doc = expectObject(parseJson('{"a":3,"b":3.0,"c":1e0}'), ['a', 'b', 'c']);
    expect(expectInt(doc, 'a')).toBe(3);
    expect(await failsWith(() => expectInt(doc, 'b'))).toBe('malformed');
    expect(await failsWith(() => expectInt(doc, 'c'))).toBe('malformed');
  });

  it('reads v = 1.0, true or "1" as another version', async () => {
    for (const v of ['1.0', 'true', '"1"', '2']) {
      expect(await failsWith(() => expectObject(parseJson(`{"v":${v}}`), ['v']))).toBe('unsupported_version');
      expect(await failsWith(() => checkPayloadVersion(expectObject(parseJson(`{"v":${v}}`), [], ['v'])))).toBe(
        'unsupported_version',
      );
    }
  });

  it('checks the version before the members, and refuses unknown members', async () => {
    expect(await failsWith(() => expectObject({ v: 2, junk: 1 }, ['v']))).toBe('unsupported_version');
    expect(await failsWith(() => expectObject({ v: 1, junk: 1 }, ['v']))).toBe('malformed');
    // An object that defines v: an absent v is no version 1 either (§1 step 3).
    expect(await failsWith(() => expectObject({ w: 1 }, ['v']))).toBe('unsupported_version');
    // One that does not define v: a v in it is just a member it does not have.
    expect(await failsWith(() => expectObject({ v: 2 }, ['nonce'], ['ct']))).toBe('malformed');
    expect(await failsWith(() => expectObject([], []))).toBe('malformed');
  });
});

describe('checking an object (§1 steps 6 to 8)', () => {
  const id = b64u(new Uint8Array(16));
  const key = b64u(new Uint8Array(32));
  const envelope = (fields: Record<string, unknown>) =>
    expectObject({ v: 1, circle_id: id, epoch: 3, recipient: id, sealed: 'AAAA', ...fields }, [
      'v',
      'circle_id',
      'epoch',
      'recipient',
      'sealed',
    ]);

  it('refuses a member of the wrong JSON type with malformed, b64u members included', async () => {
    for (const fields of [
      { circle_id: 42 },
      { circle_id: null },
      { sealed: ['AAAA'] },
      { epoch: '3' },
      { epoch: true },
      { epoch: -1 },
      { epoch: 2 ** 32 },
    ]) {
      expect(await failsWith(() => envelope(fields)), JSON.stringify(fields)).toBe('malformed');
    }
    expect(await failsWith(() => envelope({ epoch: undefined }))).toBe('malformed');
    const floats = parseJson(`{"v":1,"circle_id":"${id}","epoch":3.0,"recipient":"${id}","sealed":""}`);
    expect(await failsWith(() => expectObject(floats, ['v', 'circle_id', 'epoch', 'recipient', 'sealed']))).toBe(
      'malformed',
    );
  });

  it('refuses a b64u member that is not canonical, or not of its fixed length, with bad_encoding', async () => {
    for (const fields of [
      { circle_id: b64u(new Uint8Array(15)) },
      { circle_id: `${id}=` },
      { recipient: key },
      { sealed: 'AAA=' },
    ]) {
      expect(await failsWith(() => envelope(fields)), JSON.stringify(fields)).toBe('bad_encoding');
    }
  });

  it('checks every type before any encoding, whatever the member order', async () => {
    expect(await failsWith(() => envelope({ circle_id: 'A', epoch: '3' }))).toBe('malformed');
    expect(await failsWith(() => envelope({ epoch: '3', circle_id: 'A' }))).toBe('malformed');
    expect(await failsWith(() => envelope({ v: 2, epoch: '3', junk: 1 }))).toBe('unsupported_version');
    expect(await failsWith(() => envelope({ epoch: '3', junk: 1 }))).toBe('malformed');
  });

  it('takes null only where the table allows it, and a time only in §1 form', async () => {
    const head = (prev: unknown) => expectObject({ prev, sig: null }, ['prev'], ['sig']);
    expect(head(null)['prev']).toBeNull();
    expect(await failsWith(() => head(b64u(new Uint8Array(31))))).toBe('bad_encoding');
    const expiring = (expires_at: unknown) => expectObject({ expires_at }, ['expires_at']);
    expect(expiring('2024-02-29T00:00:00Z')['expires_at']).toBe('2024-02-29T00:00:00Z');
    for (const time of ['2026-02-30T00:00:00Z', '2026-01-01T00:00:00+00:00', 1767225600])
      expect(await failsWith(() => expiring(time)), String(time)).toBe('malformed');
  });

  it('leaves an object member, and a name outside the table, to the caller', () => {
    expect(expectObject({ member: 'nobody', format: 3 }, ['member', 'format'])['member']).toBe('nobody');
  });
});

describe('padding', () => {
  it('pads to the bucket boundaries', () => {
    expect(pad(new Uint8Array(0)).length).toBe(256);
    expect(pad(new Uint8Array(255)).length).toBe(256);
    expect(pad(new Uint8Array(256)).length).toBe(512);
    expect(pad(new Uint8Array(65535)).length).toBe(65536);
  });

  it('round-trips a message that ends in zeros and in 0x80', () => {
    for (const m of [fromHex('0000'), fromHex('80'), fromHex('418000')]) expect(unpad(pad(m))).toEqual(m);
  });

  it('refuses 65536 bytes with too_large and bad padding with bad_padding', async () => {
    expect(await failsWith(() => pad(new Uint8Array(65536)))).toBe('too_large');
    expect(await failsWith(() => unpad(new Uint8Array(128)))).toBe('bad_padding');
    expect(await failsWith(() => unpad(new Uint8Array(256)))).toBe('bad_padding');
    expect(await failsWith(() => unpad(new Uint8Array(131072)))).toBe('bad_padding');
  });
});
