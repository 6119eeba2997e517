"""PROTOCOL.md §1 as the code reads it: its member table and its order of checks."""

import re
from typing import Any

import pytest

from support_circle.protocol.encoding import expect_object
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.members import MEMBER_KINDS, NULLABLE
from tests.conftest import REPO

PROTOCOL = (REPO / "shared_schema" / "PROTOCOL.md").read_text()


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
