"""PROTOCOL.md §1 as the code reads it: its worked examples, its member table, its order of checks."""

import re
from typing import Any

import pytest

from support_circle.protocol import circle_keys, primitives, vault
from support_circle.protocol.encoding import ctx, expect_object, u32, unb64u
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.members import MEMBER_KINDS, NULLABLE
from tests.conftest import REPO

PROTOCOL = (REPO / "shared_schema" / "PROTOCOL.md").read_text()


def _in_spec(hex_text: str) -> bool:
    """Whether the spec shows these bytes, however its example splits them over words and lines."""
    return hex_text in re.sub(r"[^0-9a-f]", "", PROTOCOL)


def test_the_hkdf_example_is_what_the_code_derives() -> None:
    key, circle_id = unb64u("s-KI4Xa7249mlySaQ_mhxpZ3GA48idKIW2BBE8jvOlg"), unb64u("l6hESjjsYJOm8yqH3gn82g")
    info = b"support-circle/v1/record-key"
    derived = circle_keys.record_key(key, circle_id)
    assert derived == primitives.hkdf(key, circle_id, info, 32)
    assert derived.hex() == "8dd1f57eea009616c0aee08bc1950838cd5790f14466793fc398eb8a34ad670b"
    # The mistake §1 warns about gives another key: the info is the bare label, not a ctx.
    wrong = primitives.hkdf(key, circle_id, ctx("support-circle/v1/record-key"), 32)
    assert wrong.hex() == "f32e44474df4ca3efb0b96a8fe9b1d521f397215b6e270252b90145032c0b5f2"
    for shown in (key.hex(), circle_id.hex(), info.hex(), derived.hex(), wrong.hex()):
        assert _in_spec(shown)


def test_the_hpke_info_and_aad_examples_are_what_the_code_builds() -> None:
    circle_id, recipient = unb64u("LQez5hVL5z2kaHrjMAuEtA"), unb64u("Ky0qFQz6ZRuYqBvbmWu2tw")
    info = ctx("support-circle/v1/key-envelope", circle_id, u32(2), recipient)
    assert _in_spec(info.hex())
    vault_id = unb64u("SUy380vjKTtJnh3lZrhATA")
    aad = ctx("support-circle/v1/vault-wrap", vault_id, b"passphrase")
    assert aad.hex().startswith("0000001c") and _in_spec(aad.hex())
    assert vault._wrap_aad(vault_id, "passphrase") == aad


def _spec_member_table() -> dict[str, tuple[str, str]]:
    """Member name -> (JSON value, b64u length) as §1's "Member types" table gives them."""
    rows = [line.strip().strip("|").split("|") for line in PROTOCOL.splitlines() if line.startswith("  | `")]
    return {
        name: (value.strip(), length.strip())
        for names, value, length in rows
        for name in re.findall(r"`([a-z_]+)`", names)
    }


_SPEC_WORDS = {
    "b64u16": ("string, b64u", "16 bytes"),
    "b64u32": ("string, b64u", "32 bytes"),
    "b64u": ("string, b64u", "checked by"),
    "u32": ("integer, 0 to 2^32 \N{MINUS SIGN} 1", ""),
    "u53": ("integer, 0 to 2^53 \N{MINUS SIGN} 1", ""),
    "integer": ("integer", ""),
    "string": ("string", ""),
    "time": ("string, a time", ""),
    "boolean": ("`true` or `false`", ""),
    "object": ("object", ""),
}


def test_the_member_table_of_section_1_is_the_codes() -> None:
    table = _spec_member_table()
    assert set(table) == set(MEMBER_KINDS)
    for name, kind in MEMBER_KINDS.items():
        value, length = table[name]
        assert value.startswith(_SPEC_WORDS[kind][0]), name
        assert length.startswith(_SPEC_WORDS[kind][1]) and bool(length) == bool(_SPEC_WORDS[kind][1]), name
        assert ("`null`" in value) == (name in NULLABLE), name


ID, KEY = "A" * 22, "A" * 43
ENVELOPE = ("v", "circle_id", "epoch", "recipient", "sealed")


def _envelope(**fields: Any) -> dict[str, Any]:
    document = {"v": 1, "circle_id": ID, "epoch": 3, "recipient": ID, "sealed": "AAAA", **fields}
    return {name: value for name, value in document.items() if value is not ...}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"v": ...}, "unsupported_version"),
        ({"v": True}, "unsupported_version"),
        ({"v": 1.0}, "unsupported_version"),
        ({"v": 2, "extra": 1}, "unsupported_version"),
        ({"extra": 1}, "malformed"),
        ({"epoch": ...}, "malformed"),
        ({"circle_id": 42}, "malformed"),
        ({"circle_id": None}, "malformed"),
        ({"sealed": ["AAAA"]}, "malformed"),
        ({"epoch": "3"}, "malformed"),
        ({"epoch": 3.0}, "malformed"),
        ({"epoch": True}, "malformed"),
        ({"epoch": -1}, "malformed"),
        ({"epoch": 2**32}, "malformed"),
        ({"circle_id": "A" * 21}, "bad_encoding"),
        ({"circle_id": ID + "="}, "bad_encoding"),
        ({"recipient": KEY}, "bad_encoding"),
        ({"sealed": "AAA="}, "bad_encoding"),
        # Two faults: every type is checked before any encoding, whatever the member order.
        ({"circle_id": "A", "epoch": "3"}, "malformed"),
        ({"sealed": "A", "circle_id": 1}, "malformed"),
        ({"v": 2, "epoch": "3"}, "unsupported_version"),
    ],
)
def test_an_object_is_checked_in_the_order_of_section_1(fields: dict[str, Any], code: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        expect_object(_envelope(**fields), ENVELOPE)
    assert refused.value.code == code


def test_null_only_where_the_table_allows_it_and_objects_are_left_to_their_section() -> None:
    assert expect_object({"prev": None, "sig": None}, ("prev",), ("sig",))["prev"] is None
    assert expect_object({"member": "nobody", "format": 3}, ("member", "format"))["member"] == "nobody"
    with pytest.raises(ProtocolError) as refused:
        expect_object({"v": 2}, ("nonce",), ("ct",))
    assert refused.value.code == "malformed"
    for time, code in (("2026-02-30T00:00:00Z", "malformed"), ("2026-01-01T00:00:00+00:00", "malformed")):
        with pytest.raises(ProtocolError) as refused:
            expect_object({"expires_at": time}, ("expires_at",))
        assert refused.value.code == code
