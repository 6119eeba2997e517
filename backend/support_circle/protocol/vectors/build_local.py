"""Vectors for what one device does alone: encodings, padding, identities, the vault, safety numbers."""

import unicodedata
from typing import Any

from support_circle.protocol import primitives, vault
from support_circle.protocol.encoding import b64u, ctx, dump_json, parse_json, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.safety import safety_number
from support_circle.protocol.vectors import build_identity
from support_circle.protocol.vectors.making import changed, flip, group_file, substream, vector

Files = dict[str, dict[str, Any]]


def encoding() -> dict[str, Any]:
    return group_file(
        "encoding",
        "Canonical unpadded base64url (§1).",
        [
            vector("empty", "the empty string is zero bytes", input="", bytes_hex=""),
            vector("three bytes", "no padding needed", input="AQID", bytes_hex="010203"),
            vector("url alphabet", "- and _ stand for + and /", input="-_8", bytes_hex="fbff"),
            vector("one byte", "two symbols, no padding", input="AQ", bytes_hex="01"),
            vector("padded", "padding characters are refused", "bad_encoding", input="AQ=="),
            vector("standard alphabet", "+ and / are not base64url", "bad_encoding", input="+/8"),
            vector("lone symbol", "a length of 1 mod 4 cannot be bytes", "bad_encoding", input="AQIDB"),
            vector("trailing bits", "AR decodes to 01 only by ignoring set bits", "bad_encoding", input="AR"),
            vector("whitespace", "whitespace is not skipped", "bad_encoding", input="AQ ID"),
            vector("three symbols", "two bytes", input="AQI", bytes_hex="0102"),
            vector("trailing bits in three symbols", "AQJ sets an unused bit", "bad_encoding", input="AQJ"),
            vector("newline", "a line break at the end", "bad_encoding", input="AQID\n"),
            vector("non-ASCII", "a letter outside the alphabet", "bad_encoding", input="AQ\u00cdD"),
            vector("only padding", "a lone =", "bad_encoding", input="="),
        ],
    )


def padding() -> dict[str, Any]:
    def marker(size: int, content: bytes = b"") -> str:
        return (content + b"\x80" + b"\x00" * (size - len(content) - 1)).hex()

    return group_file(
        "padding",
        "Size buckets (§4).",
        [
            vector("pad empty", "the smallest bucket", op="pad", input_hex="", output_hex=marker(256)),
            vector("pad 255", "fills a bucket exactly", op="pad", repeat_hex="41", count=255, output_len=256),
            vector(
                "pad 256", "one more byte takes the next bucket", op="pad", repeat_hex="41", count=256, output_len=512
            ),
            vector("pad largest", "65535 bytes still fit", op="pad", repeat_hex="00", count=65535, output_len=65536),
            vector("pad too large", "65536 bytes do not", "too_large", op="pad", repeat_hex="00", count=65536),
            vector("unpad", "the marker and zeros go", op="unpad", input_hex=marker(256, b"hi"), output_hex="6869"),
            vector(
                "unpad zero-ending message",
                "zeros before the marker stay",
                op="unpad",
                input_hex=marker(256, b"\x00\x00"),
                output_hex="0000",
            ),
            vector("unpad odd length", "300 bytes is no bucket", "bad_padding", op="unpad", repeat_hex="80", count=300),
            vector("unpad no marker", "all zeros", "bad_padding", op="unpad", repeat_hex="00", count=256),
            vector(
                "unpad bytes after marker",
                "the marker must be last",
                "bad_padding",
                op="unpad",
                input_hex="80" + "01" + "00" * 254,
            ),
            vector("unpad marker only", "an empty message", op="unpad", input_hex=marker(256), output_hex=""),
            vector(
                "unpad message ending in 0x80",
                "only the last 0x80 is the marker",
                op="unpad",
                input_hex=marker(256, b"\x80"),
                output_hex="80",
            ),
            vector(
                "unpad largest", "65536 bytes is a bucket", op="unpad", repeat_hex="80", count=65536, output_len=65535
            ),
            vector(
                "unpad below smallest", "128 bytes is no bucket", "bad_padding", op="unpad", repeat_hex="80", count=128
            ),
            vector(
                "unpad beyond largest",
                "131072 bytes is no bucket",
                "bad_padding",
                op="unpad",
                repeat_hex="80",
                count=131072,
            ),
            vector("unpad empty", "0 bytes is no bucket", "bad_padding", op="unpad", input_hex=""),
        ],
    )


def identity() -> dict[str, Any]:
    keys, other = DeviceKeys.generate(), DeviceKeys.generate()
    good = keys.identity()
    mine = keys.public
    outputs = {"device_id": b64u(mine.device_id), "sign_pub": b64u(mine.sign_pub), "kem_pub": b64u(mine.kem_pub)}
    claimed = keys.sign(
        {
            "v": 1,
            "type": "identity",
            "device_id": b64u(other.device_id),
            "sign_pub": b64u(mine.sign_pub),
            "kem_pub": b64u(mine.kem_pub),
        }
    )
    wrong_type = keys.sign({"v": 1, "type": "record", "device_id": b64u(mine.device_id)})
    return group_file(
        "identity",
        "Self-signed device identities (§2, §3).",
        [
            vector("valid", "a device's own identity", identity=good, **outputs),
            vector(
                "flipped signature",
                "one bit of the signature",
                "bad_signature",
                identity=changed(good, sig=flip(good["sig"])),
            ),
            vector(
                "flipped payload",
                "the kem_pub swapped after signing changes the payload",
                "bad_signature",
                identity=changed(good, payload=_swap_kem(good["payload"], other)),
            ),
            vector("missing signature", "an empty sig", "missing_signature", identity=changed(good, sig="")),
            vector("short signature", "a 63-byte sig", "bad_signature", identity=changed(good, sig=b64u(bytes(63)))),
            vector(
                "claims another device", "device_id not derived from sign_pub", "identity_mismatch", identity=claimed
            ),
            vector(
                "signer is someone else",
                "outer signer differs from device_id",
                "identity_mismatch",
                identity=changed(good, signer=b64u(other.device_id)),
            ),
            vector("not an identity", "a signed record payload offered as identity", "wrong_type", identity=wrong_type),
            vector("future version", "outer v=2", "unsupported_version", identity=changed(good, v=2)),
            vector(
                "version true",
                "a signed payload whose v is true, which is not the integer 1",
                "unsupported_version",
                identity=keys.sign({**_identity_payload(keys), "v": True}),
            ),
            vector(
                "version 1.0",
                "a signed payload whose v is 1.0",
                "unsupported_version",
                identity=keys.sign({**_identity_payload(keys), "v": 1.0}),
            ),
            vector(
                "bad base64",
                "padding in the payload",
                "bad_encoding",
                identity=changed(good, payload=good["payload"] + "="),
            ),
            *build_identity.order_of_checks(keys, other),
        ],
    )


def _identity_payload(keys: DeviceKeys) -> dict[str, Any]:
    mine = keys.public
    return {
        "v": 1,
        "type": "identity",
        "device_id": b64u(mine.device_id),
        "sign_pub": b64u(mine.sign_pub),
        "kem_pub": b64u(mine.kem_pub),
    }


def _swap_kem(payload_b64: str, other: DeviceKeys) -> str:
    document = parse_json(unb64u(payload_b64))
    document["kem_pub"] = b64u(other.public.kem_pub)
    return b64u(dump_json(document))


def _text_with(*letters: str) -> tuple[bytes, str]:
    """A recovery key whose text holds every one of ``letters``, so a look-alike can stand in for each."""
    with substream("recovery look-alikes"):
        while True:
            key = primitives.random_bytes(32)
            text = vault.recovery_key_to_text(key)
            if all(letter in text for letter in letters):
                return key, text


def _look_alike(text: str, letter: str, stand_in: str) -> str:
    index = text.index(letter)
    return text[:index] + stand_in + text[index + 1 :]


def recovery() -> Files:
    key = primitives.random_bytes(32)
    text = vault.recovery_key_to_text(key)
    sloppy = text.lower().replace("0", "o").replace("1", "l")
    typo = ("Z" if text[0] != "Z" else "Y") + text[1:]
    groups = text.split(" ")
    # Each stand-in is one a careless reader turns into the ASCII letter it replaces: by str.upper()
    # (dotless i, long s), by NFKC (fullwidth, Kelvin sign) or by eye (Cyrillic).
    alike_key, alike = _text_with("1", "S", "K", "A")
    alike_cases = [
        ("dotless i", "U+0131 where the text has 1: it upper-cases to I, which is read as 1", "1", "\u0131"),
        ("long s", "U+017F where the text has S: it upper-cases to S", "S", "\u017f"),
        ("Kelvin sign", "U+212A where the text has K: NFKC makes it K", "K", "\u212a"),
        ("fullwidth A", "U+FF21 where the text has A: NFKC makes it A", "A", "\uff21"),
        ("Cyrillic A", "U+0410 where the text has A: it looks like A", "A", "\u0410"),
    ]
    refused_separators = [
        ("no-break space", "U+00A0 between the groups", "\u00a0"),
        ("ideographic space", "U+3000 between the groups, as some keyboards type a space", "\u3000"),
        ("zero-width space", "U+200B after each space", " \u200b"),
        ("en dash", "U+2013 between the groups", "\u2013"),
        ("vertical tab", "U+000B, ASCII whitespace that is not one of the five separators", "\u000b"),
        ("form feed", "U+000C between the groups", "\u000c"),
    ]
    return {
        "recovery_key": group_file(
            "recovery_key",
            "Reading a recovery key a person typed (§5).",
            [
                vector("as shown", "14 groups of 4", text=text, recovery_key=b64u(key)),
                vector(
                    "as typed",
                    "lower case, no spaces, O for 0 and l for 1",
                    text=sloppy.replace(" ", ""),
                    recovery_key=b64u(key),
                ),
                vector("hyphens", "hyphens instead of spaces", text=text.replace(" ", "-"), recovery_key=b64u(key)),
                vector(
                    "tabs and line breaks",
                    "groups separated by tab, line feed and CR LF, as pasted from a note",
                    text="".join(g + ("\t", "\n", "\r\n")[i % 3] for i, g in enumerate(groups)),
                    recovery_key=b64u(key),
                ),
                vector(
                    "surrounding whitespace",
                    "spaces, a tab and line breaks before and after",
                    text=" \t\r\n" + text + "\n ",
                    recovery_key=b64u(key),
                ),
                vector(
                    "separators anywhere",
                    "separators inside the groups too, and none between some",
                    text="-".join(text.replace(" ", "")),
                    recovery_key=b64u(key),
                ),
                vector("one symbol wrong", "the check catches a typo", "recovery_key_typo", text=typo),
                vector("one symbol short", "55 symbols", "recovery_key_typo", text=text[:-1]),
                vector("one symbol long", "57 symbols", "recovery_key_typo", text=text + "0"),
                vector("empty", "no symbols at all", "recovery_key_typo", text=""),
                vector("not crockford", "U is not in the alphabet", "recovery_key_typo", text="U" + text[1:]),
                vector("lower-case u", "u is not in the alphabet either", "recovery_key_typo", text="u" + text[1:]),
                *(
                    vector(name, comment, "recovery_key_typo", text=text.replace(" ", separator))
                    for name, comment, separator in refused_separators
                ),
                vector(
                    "look-alike text as shown",
                    "the key the look-alike vectors below change one letter of",
                    text=alike,
                    recovery_key=b64u(alike_key),
                ),
                *(
                    vector(name, comment, "recovery_key_typo", text=_look_alike(alike, letter, stand_in))
                    for name, comment, letter, stand_in in alike_cases
                ),
            ],
        ),
        "recovery_key_encode": group_file(
            "recovery_key_encode",
            "Showing a recovery key (§5): the exact text.",
            [vector("shown", "upper case, 14 groups of 4", recovery_key=b64u(key), text=text)],
        ),
    }


def vault_vectors() -> dict[str, Any]:
    passphrase = unicodedata.normalize("NFC", "café by the river, 7 stones")
    made = vault.create_vault(passphrase, vault.VECTOR_PARAMETERS, allow_vector_parameters=True)
    strong = vault.create_vault("correct horse battery staple")
    other_text = vault.recovery_key_to_text(primitives.random_bytes(32))
    doc, key = made.vault, b64u(made.vault_key)
    with_pass, with_text = {"passphrase": passphrase}, {"recovery_text": made.recovery_text}

    def kdf(**members: Any) -> dict[str, Any]:
        return changed(doc, kdf={**doc["kdf"], **members})

    def wrap(name: str, **members: Any) -> dict[str, Any]:
        return changed(doc, **{name: {**doc[name], **members}})

    def resized(text: str, change: int) -> str:
        data = unb64u(text)
        return b64u(data[:change] if change < 0 else data + bytes(change))

    ct = doc["passphrase_wrap"]["ct"]
    nonce_8 = b64u(bytes(8))
    return group_file(
        "vault",
        "Unlocking the local vault (§5): the checks in §5's order, then the Argon2id range. "
        "m_kib 64, t 1, p 1 is the reserved vector setting.",
        [
            vector("passphrase", "the passphrase it was made with", vault=doc, passphrase=passphrase, vault_key=key),
            vector(
                "passphrase typed as NFD",
                "the same words in decomposed Unicode",
                vault=doc,
                passphrase=unicodedata.normalize("NFD", passphrase),
                vault_key=key,
            ),
            vector(
                "recovery key",
                "the recovery text shown at creation",
                vault=doc,
                recovery_text=made.recovery_text,
                vault_key=key,
            ),
            vector(
                "default parameters",
                "64 MiB, t=3, p=1, as the app uses",
                vault=strong.vault,
                passphrase="correct horse battery staple",
                vault_key=b64u(strong.vault_key),
            ),
            *_bound_vaults(),
            vector(
                "wrong passphrase", "one letter different", "wrong_passphrase", vault=doc, passphrase=passphrase.upper()
            ),
            vector(
                "wrong recovery key",
                "a valid key of another vault",
                "wrong_recovery_key",
                vault=doc,
                recovery_text=other_text,
            ),
            vector(
                "tampered wrap",
                "a bit of the passphrase wrap",
                "wrong_passphrase",
                vault=wrap("passphrase_wrap", ct=flip(ct)),
                **with_pass,
            ),
            # 1. the vault object, as §1 checks every object
            vector("future version", "v=2", "unsupported_version", vault=changed(doc, v=2), **with_pass),
            vector("version true", "v is true", "unsupported_version", vault=changed(doc, v=True), **with_pass),
            vector(
                "missing wrap",
                "no recovery wrap, opened with the passphrase",
                "malformed",
                vault={name: value for name, value in doc.items() if name != "recovery_wrap"},
                **with_pass,
            ),
            vector("vault id a number", "vault_id is 7", "malformed", vault=changed(doc, vault_id=7), **with_pass),
            vector(
                "short vault id",
                "15 bytes",
                "bad_encoding",
                vault=changed(doc, vault_id=b64u(bytes(15))),
                **with_text,
            ),
            # 2. the kdf, as §1 checks every object, then its algorithm
            vector(
                "kdf a string", "kdf is not an object", "malformed", vault=changed(doc, kdf="argon2id"), **with_text
            ),
            vector(
                "unknown kdf member",
                "checked on the recovery path too",
                "malformed",
                vault=kdf(pepper="x"),
                **with_text,
            ),
            vector("passes as a float", "t written 1.0", "malformed", vault=kdf(t=1.0), **with_pass),
            vector("memory as a string", 'm_kib written "64"', "malformed", vault=kdf(m_kib="64"), **with_pass),
            vector("short salt", "15 bytes", "bad_encoding", vault=kdf(salt=b64u(bytes(15))), **with_pass),
            vector("long salt", "17 bytes", "bad_encoding", vault=kdf(salt=b64u(bytes(17))), **with_pass),
            vector("argon2i", "alg is not argon2id", "malformed", vault=kdf(alg="argon2i"), **with_pass),
            vector("alg upper case", "ARGON2ID is not argon2id", "malformed", vault=kdf(alg="ARGON2ID"), **with_text),
            # 3. each wrap, as §1 checks every object
            vector(
                "wrap with a tag member",
                "an extra member in a wrap",
                "malformed",
                vault=wrap("passphrase_wrap", tag="x"),
                **with_pass,
            ),
            vector("nonce a number", "a nonce of 0", "malformed", vault=wrap("recovery_wrap", nonce=0), **with_pass),
            vector(
                "padded nonce",
                "base64url with padding",
                "bad_encoding",
                vault=wrap("passphrase_wrap", nonce=doc["passphrase_wrap"]["nonce"] + "="),
                **with_pass,
            ),
            # 4. lengths, of both wraps whichever is opened
            vector("short nonce", "8 bytes", "truncated", vault=wrap("passphrase_wrap", nonce=nonce_8), **with_pass),
            vector(
                "long nonce", "13 bytes", "truncated", vault=wrap("passphrase_wrap", nonce=b64u(bytes(13))), **with_pass
            ),
            vector("short ct", "47 bytes", "truncated", vault=wrap("passphrase_wrap", ct=resized(ct, -1)), **with_pass),
            vector(
                "tag only",
                "16 bytes: a tag and no key",
                "truncated",
                vault=wrap("passphrase_wrap", ct=resized(ct, -32)),
                **with_pass,
            ),
            vector("long ct", "49 bytes", "malformed", vault=wrap("passphrase_wrap", ct=resized(ct, 1)), **with_pass),
            vector(
                "other wrap's nonce",
                "the recovery wrap's nonce is 8 bytes; the passphrase path checks it too",
                "truncated",
                vault=wrap("recovery_wrap", nonce=nonce_8),
                **with_pass,
            ),
            vector(
                "other wrap's ct",
                "the passphrase wrap's ct is 49 bytes; the recovery path checks it too",
                "malformed",
                vault=wrap("passphrase_wrap", ct=resized(ct, 1)),
                **with_text,
            ),
            # The order: the first check that fails names the error.
            vector(
                "the vault before its kdf",
                "a 15-byte vault id and an unknown kdf member",
                "bad_encoding",
                vault=changed(kdf(pepper="x"), vault_id=b64u(bytes(15))),
                **with_pass,
            ),
            vector(
                "the kdf's salt before its algorithm",
                "alg scrypt and a 15-byte salt",
                "bad_encoding",
                vault=kdf(alg="scrypt", salt=b64u(bytes(15))),
                **with_pass,
            ),
            vector(
                "the algorithm before the wraps",
                "alg scrypt and a padded nonce",
                "malformed",
                vault=changed(
                    wrap("passphrase_wrap", nonce=doc["passphrase_wrap"]["nonce"] + "="),
                    kdf={**doc["kdf"], "alg": "scrypt"},
                ),
                **with_pass,
            ),
            vector(
                "both wraps' encodings before lengths",
                "an 8-byte nonce in the passphrase wrap and a padded one in the recovery wrap",
                "bad_encoding",
                vault=changed(
                    wrap("passphrase_wrap", nonce=nonce_8),
                    recovery_wrap={**doc["recovery_wrap"], "nonce": doc["recovery_wrap"]["nonce"] + "="},
                ),
                **with_pass,
            ),
            vector(
                "lengths before the range",
                "m_kib 1024 and a 47-byte ct",
                "truncated",
                vault=changed(wrap("passphrase_wrap", ct=resized(ct, -1)), kdf={**doc["kdf"], "m_kib": 1024}),
                **with_pass,
            ),
            vector(
                "vault before the recovery text",
                "a 15-byte salt, and a text that is not a recovery key",
                "bad_encoding",
                vault=kdf(salt=b64u(bytes(15))),
                recovery_text="not a key",
            ),
            # 5. the range, on the passphrase path only, before any Argon2id work
            vector(
                "weakened parameters",
                "m_kib lowered to 1024 by someone with the file",
                "weak_parameters",
                vault=kdf(m_kib=1024),
                **with_pass,
            ),
            vector(
                "weak parameters and a wrong passphrase",
                "the range is checked before the passphrase is tried",
                "weak_parameters",
                vault=kdf(m_kib=1024),
                passphrase=passphrase.upper(),
            ),
            *(
                vector(name, comment, "weak_parameters", vault=kdf(**cost), **with_pass)
                for name, comment, cost in _OUT_OF_RANGE
            ),
            vector(
                "range not checked with the recovery key",
                "m_kib of 1 GiB: no Argon2id runs on this path, so the vault opens",
                vault=kdf(m_kib=1048576),
                recovery_text=made.recovery_text,
                vault_key=key,
            ),
            vector(
                "the passphrase wrap's sizes before the recovery wrap's",
                "a 49-byte ct in the passphrase wrap and an 8-byte nonce in the recovery wrap: step 4 takes one "
                "wrap at a time",
                "malformed",
                vault=changed(
                    wrap("passphrase_wrap", ct=resized(ct, 1)), recovery_wrap={**doc["recovery_wrap"], "nonce": nonce_8}
                ),
                **with_pass,
            ),
        ],
    )


# Each one step outside the range, or next to the reserved vector setting (which is exact).
_OUT_OF_RANGE: list[tuple[str, str, dict[str, int]]] = [
    ("memory below the floor", "m_kib 19455, t 2", {"m_kib": 19455, "t": 2}),
    ("memory above the ceiling", "m_kib 131073, t 2", {"m_kib": 131073, "t": 2}),
    ("a gibibyte", "m_kib 1048576 (1 GiB): more than a 2019 phone's browser can give", {"m_kib": 1048576, "t": 2}),
    ("negative memory", "m_kib -65536", {"m_kib": -65536, "t": 2}),
    ("largest integer", "m_kib 2^53 - 1", {"m_kib": 2**53 - 1, "t": 2}),
    ("one pass", "t 1 with 64 MiB", {"m_kib": 65536, "t": 1}),
    ("too many passes", "t 5 with 64 MiB", {"m_kib": 65536, "t": 5}),
    ("no lanes", "p 0 with 64 MiB, t 3", {"m_kib": 65536, "t": 3, "p": 0}),
    ("too many lanes", "p 5 with 64 MiB, t 3", {"m_kib": 65536, "t": 3, "p": 5}),
    ("next to the vector setting: lanes", "m_kib 64, t 1, p 2", {"p": 2}),
    ("next to the vector setting: passes", "m_kib 64, t 2, p 1", {"t": 2}),
    ("next to the vector setting: memory", "m_kib 65, t 1, p 1", {"m_kib": 65}),
]


def _bound_vaults() -> list[dict[str, Any]]:
    """Vaults at the edges of the accepted range, which a reader MUST open (§5)."""
    cases = [
        ("floor", "m_kib 19456, t 2, p 1: the least a reader accepts", vault.FLOOR),
        ("memory ceiling", "m_kib 131072 (128 MiB), t 2, p 1", vault.Argon2Parameters(131072, 2, 1)),
        ("passes and lanes ceiling", "m_kib 19456, t 4, p 4", vault.Argon2Parameters(19456, 4, 4)),
    ]
    vectors = []
    with substream("vault bounds"):
        for name, comment, params in cases:
            made = vault.create_vault(name, params)
            vectors.append(vector(name, comment, vault=made.vault, passphrase=name, vault_key=b64u(made.vault_key)))
    return vectors


def local() -> dict[str, Any]:
    made = vault.create_vault("x", vault.VECTOR_PARAMETERS, allow_vector_parameters=True)
    vault_id = primitives.random_bytes(16)
    plaintext = dump_json({"section": "who I go to", "answer": "Aunt Mere, and the river walk"})
    item = vault.seal_local(made.vault_key, vault_id, "plan", "section-1", plaintext)
    base = {"vault_id": b64u(vault_id), "vault_key": b64u(made.vault_key)}
    return group_file(
        "local",
        "Items kept on the device under the vault key (§5).",
        [
            vector(
                "open",
                "the store and key it was sealed for",
                **base,
                store="plan",
                key="section-1",
                item=item,
                plaintext_hex=plaintext.hex(),
            ),
            vector(
                "other key", "copied to another key", "decrypt_failed", **base, store="plan", key="section-2", item=item
            ),
            vector(
                "other store",
                "copied to another store",
                "decrypt_failed",
                **base,
                store="allies",
                key="section-1",
                item=item,
            ),
            vector(
                "flipped",
                "one bit of the ciphertext",
                "decrypt_failed",
                **base,
                store="plan",
                key="section-1",
                item=changed(item, ct=flip(item["ct"])),
            ),
            vector(
                "truncated",
                "ten bytes of ciphertext",
                "truncated",
                **base,
                store="plan",
                key="section-1",
                item=changed(item, ct=b64u(bytes(10))),
            ),
            *_local_checks(made.vault_key, vault_id, item),
        ],
    )


def _local_checks(vault_key: bytes, vault_id: bytes, item: dict[str, Any]) -> list[dict[str, Any]]:
    """One vector per check of §5's local item list, then a pair of failures that shows the order."""
    where = {"vault_id": b64u(vault_id), "vault_key": b64u(vault_key), "store": "plan", "key": "section-1"}

    def opened(name: str, comment: str, expect: str, sealed: dict[str, Any]) -> dict[str, Any]:
        return vector(name, comment, expect, **where, item=sealed)

    with substream("local checks"):
        # Sealed with the right key and AAD but not padded: only padding can refuse it.
        nonce = primitives.random_bytes(12)
        lk = primitives.hkdf(vault_key, vault_id, b"support-circle/v1/local-key", 32)
        aad = ctx("support-circle/v1/local", vault_id, b"plan", b"section-1")
        unpadded = {"v": 1, "nonce": b64u(nonce), "ct": b64u(primitives.aead_seal(lk, nonce, b"no padding", aad))}
    return [
        opened("future version", "v=2", "unsupported_version", changed(item, v=2)),
        opened("extra member", "the store name copied into the item", "malformed", changed(item, store="plan")),
        opened("missing ct", "no ct member", "malformed", {"v": 1, "nonce": item["nonce"]}),
        opened("nonce not base64url", "padding in the nonce", "bad_encoding", changed(item, nonce=item["nonce"] + "=")),
        opened("short nonce", "8 bytes", "truncated", changed(item, nonce=b64u(bytes(8)))),
        opened("long nonce", "13 bytes", "truncated", changed(item, nonce=b64u(bytes(13)))),
        opened("empty ct", "0 bytes", "truncated", changed(item, ct="")),
        opened("unpadded", "a plaintext that is no bucket long", "bad_padding", unpadded),
        opened(
            "encodings before lengths",
            "an 8-byte nonce and a ct with padding",
            "bad_encoding",
            changed(item, nonce=b64u(bytes(8)), ct=item["ct"] + "="),
        ),
    ]


def safety() -> dict[str, Any]:
    pairs = [(DeviceKeys.generate(), DeviceKeys.generate()) for _ in range(2)]
    with substream("safety pairs"):
        # More pairs, so that between them every group shows digits a 32-byte hash could not give.
        pairs += [(DeviceKeys.generate(), DeviceKeys.generate()) for _ in range(6)]
    return group_file(
        "safety_number",
        "Safety numbers (§10): the same both ways round.",
        [
            vector(f"pair {i}", "two devices", a=a.identity(), b=b.identity(), number=safety_number(a.public, b.public))
            for i, (a, b) in enumerate(pairs, 1)
        ],
    )


def build() -> Files:
    files = {"encoding": encoding(), "padding": padding(), "identity": identity(), **recovery()}
    files.update({"vault": vault_vectors(), "local": local(), "safety_number": safety()})
    return files
