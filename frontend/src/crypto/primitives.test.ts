// Known answers from the RFCs: they prove each library is wired the way the protocol assumes.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex, utf8 } from './encoding';
import { hpkeOpenWith } from './hpke';
import {
  aeadOpen,
  aeadSeal,
  argon2id,
  ed25519Public,
  ed25519Sign,
  ed25519Verify,
  hkdf,
  sha256,
  x25519Public,
} from './primitives';

describe('X25519, RFC 7748 §6.1', () => {
  const alicePrivate = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePublic = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPrivate = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPublic = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

  it('derives both public keys', () => {
    expect(toHex(x25519Public(alicePrivate))).toBe(alicePublic);
    expect(toHex(x25519Public(bobPrivate))).toBe(bobPublic);
  });

  it('agrees on the shared secret from both sides', () => {
    expect(toHex(x25519.getSharedSecret(alicePrivate, fromHex(bobPublic)))).toBe(shared);
    expect(toHex(x25519.getSharedSecret(bobPrivate, fromHex(alicePublic)))).toBe(shared);
  });
});

describe('Ed25519, RFC 8032 §7.1', () => {
  const cases = [
    {
      name: 'TEST 1',
      secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      message: '',
      signature:
        'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      name: 'TEST 2',
      secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      message: '72',
      signature:
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
  ];

  it.each(cases)('$name: public key, signature and verification', (c) => {
    const seed = fromHex(c.secret);
    expect(toHex(ed25519Public(seed))).toBe(c.public);
    expect(toHex(ed25519Sign(seed, fromHex(c.message)))).toBe(c.signature);
    expect(() => ed25519Verify(fromHex(c.public), fromHex(c.signature), fromHex(c.message))).not.toThrow();
  });

  it('refuses a signature over another message with bad_signature', () => {
    const c = cases[1]!;
    expect(() => ed25519Verify(fromHex(c.public), fromHex(c.signature), fromHex('73'))).toThrow(
      expect.objectContaining({ code: 'bad_signature' }),
    );
  });
});

describe('Ed25519 verification as §1 requires: RFC 8032 §5.1.7, strict and cofactorless', () => {
  const Point = ed25519.Point;
  const L = Point.Fn.ORDER;
  const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(seed);
  const message = utf8('support circle');
  const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
  const leToInt = (bytes: Uint8Array) => bytes.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);
  const k = (R: Uint8Array, key: Uint8Array) => leToInt(sha512(concat(R, key, message))) % L;
  const order8 = Point.fromBytes(fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));
  const refuses = (key: Uint8Array, sig: Uint8Array) =>
    expect(() => ed25519Verify(key, sig, message)).toThrow(expect.objectContaining({ code: 'bad_signature' }));

  it('uses a point of order 8', () => {
    expect(order8.multiplyUnsafe(8n).is0()).toBe(true);
    expect(order8.multiplyUnsafe(4n).is0()).toBe(false);
  });

  it("refuses R with a small-order component, which @noble/curves' own verify accepts even with zip215: false", () => {
    const r = 12345678901234567890n;
    const R = Point.BASE.multiply(r).add(order8).toBytes();
    const sig = concat(R, le((r + k(R, A) * a) % L));
    // The library checks the cofactored equation in both modes: this is why ed25519Verify first refuses torsion in R.
    expect(ed25519.verify(sig, message, A, { zip215: false })).toBe(true);
    expect(ed25519.verify(sig, message, A, { zip215: true })).toBe(true);
    refuses(A, sig);
    // Without the small-order component the same construction is an ordinary valid signature.
    const R0 = Point.BASE.multiply(r).toBytes();
    expect(() => ed25519Verify(A, concat(R0, le((r + k(R0, A) * a) % L)), message)).not.toThrow();
  });

  it('refuses S ≥ L, the same signature malleated', () => {
    const sig = ed25519.sign(message, seed);
    expect(() => ed25519Verify(A, sig, message)).not.toThrow();
    refuses(A, concat(sig.subarray(0, 32), le(leToInt(sig.subarray(32)) + L)));
    refuses(A, concat(sig.subarray(0, 32), le((1n << 256n) - 1n)));
  });

  it('refuses R and A with y ≥ p or with x = 0 and the sign bit set, where a lenient decoder finds the neutral point', () => {
    const p = Point.Fp.ORDER;
    const unreducedNeutral = le(p + 1n);
    // R = O, S = k·a: [S]B = R + [k]A once R is decoded leniently.
    const sigR = concat(unreducedNeutral, le((k(unreducedNeutral, A) * a) % L));
    expect(ed25519.verify(sigR, message, A, { zip215: true })).toBe(true);
    refuses(A, sigR);
    for (const key of [unreducedNeutral, fromHex('0100000000000000000000000000000000000000000000000000000000000080')]) {
      const S = 7n;
      const sig = concat(Point.BASE.multiply(S).toBytes(), le(S));
      expect(ed25519.verify(sig, message, key, { zip215: true })).toBe(true);
      refuses(key, sig);
    }
  });

  it('refuses a key or R that is no point, and keys and signatures of the wrong length', () => {
    const sig = ed25519.sign(message, seed);
    refuses(new Uint8Array(32).fill(0xff), sig);
    refuses(fromHex('0200000000000000000000000000000000000000000000000000000000000000'), sig);
    refuses(A, concat(new Uint8Array(32).fill(0xff), sig.subarray(32)));
    refuses(A.subarray(0, 31), sig);
    refuses(A, sig.subarray(0, 63));
    refuses(A, concat(sig, new Uint8Array(1)));
  });

  it('refuses a small-order key with an R of order 8, which a ZIP 215 verifier accepts', () => {
    const neutral = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
    const sig = concat(order8.toBytes(), le(0n));
    expect(ed25519.verify(sig, message, neutral, { zip215: true })).toBe(true);
    refuses(neutral, sig);
  });

  it('refuses a canonical small-order key even where R = [S]B satisfies the cofactorless equation', () => {
    const neutral = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
    const S = 42n;
    const sig = concat(Point.BASE.multiply(S).toBytes(), le(S));
    refuses(neutral, sig);
  });

  it('refuses a mixed-order key: a real key plus a point of order 8', () => {
    const mixed = Point.fromBytes(A).add(order8).toBytes();
    refuses(mixed, ed25519.sign(message, seed));
  });
});

describe('HKDF-SHA256, RFC 5869', () => {
  it('A.1: basic test case', async () => {
    const okm = await hkdf(
      fromHex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
      fromHex('000102030405060708090a0b0c'),
      fromHex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('A.3: an empty salt and info, as invite derivation uses', async () => {
    const okm = await hkdf(
      fromHex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
      new Uint8Array(0),
      new Uint8Array(0),
      42,
    );
    expect(toHex(okm)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });
});

describe('Argon2id', () => {
  // RFC 9106 §5.3's vector uses a secret and associated data, which hash-wasm cannot take (and the
  // protocol never uses). This is the reference implementation's own test vector (phc-winner-argon2
  // `test.c`, version 0x13): same algorithm, no secret, no associated data.
  it('matches the reference implementation: "password", "somesalt", t=2, m=65536 KiB, p=1', async () => {
    const tag = await argon2id(utf8('password'), utf8('somesalt'), { mKib: 65536, t: 2, p: 1 });
    expect(toHex(tag)).toBe('09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7');
  });
});

describe('HPKE, RFC 9180 A.1.1', () => {
  // DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode: the RFC's suite nearest ours
  // (ours differs only in AES-256-GCM), opened with the recipient's key and the sender's enc.
  const skRm = fromHex('4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8');
  const enc = fromHex('37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431');
  const info = fromHex('4f6465206f6e2061204772656369616e2055726e');
  const aad = fromHex('436f756e742d30');
  const ct = fromHex('f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a');
  const pt = '4265617574792069732074727574682c20747275746820626561757479';

  it('opens the first message of the sequence', async () => {
    expect(toHex(await hpkeOpenWith('aes-128-gcm', skRm, enc, ct, info, aad))).toBe(pt);
  });

  it('refuses a changed aad with decrypt_failed', async () => {
    await expect(hpkeOpenWith('aes-128-gcm', skRm, enc, ct, info, utf8('Count-1'))).rejects.toMatchObject({
      code: 'decrypt_failed',
    });
  });
});

describe('SHA-256 and AES-256-GCM (WebCrypto)', () => {
  it('SHA-256, FIPS 180-4 example "abc"', async () => {
    expect(toHex(await sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  // The GCM specification's (McGrew & Viega) test case 16: AES-256, 96-bit IV, with AAD.
  const key = fromHex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
  const iv = fromHex('cafebabefacedbaddecaf888');
  const aad = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const pt =
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
  const ct =
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
    '76fc6ece0f4e1768cddf8853bb2d551b';

  it('AES-256-GCM seals to ciphertext || tag and opens it', async () => {
    expect(toHex(await aeadSeal(key, iv, fromHex(pt), aad))).toBe(ct);
    expect(toHex(await aeadOpen(key, iv, fromHex(ct), aad))).toBe(pt);
  });

  it('AES-256-GCM refuses another AAD with decrypt_failed', async () => {
    await expect(aeadOpen(key, iv, fromHex(ct), new Uint8Array(0))).rejects.toMatchObject({ code: 'decrypt_failed' });
  });
});
