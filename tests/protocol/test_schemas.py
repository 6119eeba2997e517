"""The JSON Schemas in shared_schema/schemas describe what really travels: vectors and the API."""

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from support_circle.app import create_app
from support_circle.protocol import invites, primitives
from support_circle.protocol.encoding import b64u, ctx, parse_json, unb64u
from support_circle.protocol.members import MEMBER_KINDS, NULLABLE
from support_circle.protocol.padding import unpad
from support_circle.protocol.vectors.runner import RUNNERS
from support_circle.settings import Settings
from tests.conftest import REPO
from tests.protocol.vector_files import vector_files

SCHEMAS = REPO / "shared_schema" / "schemas"
BASE = "https://support-circle.invalid/schemas/"


@cache
def registry() -> Registry:  # type: ignore[type-arg]
    resources = [(BASE + p.name, Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")]
    return Registry().with_resources(resources)


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": BASE + name}, registry=registry())


def test_every_schema_is_valid_json_schema() -> None:
    for path in SCHEMAS.glob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def _payload(signed_object: dict[str, Any]) -> Any:
    return parse_json(unb64u(signed_object["payload"]))


def _wire_objects() -> Iterator[tuple[str, Any]]:
    """Every wire object that an 'ok' vector holds, with the schema it must match."""
    for name, content in vector_files().items():
        for vector in (v for v in content["vectors"] if v["expect"] == "ok"):
            where = f"{name}: {vector['name']}"
            for key, value in vector.items():
                yield from (
                    (f"{where} [{key}]", schema, obj) for schema, obj in _classify(content["group"], key, value)
                )
            if content["group"] == "invite":
                yield from ((f"{where} [decrypted]", schema, obj) for schema, obj in _invite_inside(vector))
            if content["group"] == "record":
                yield from ((f"{where} [opened body]", schema, obj) for schema, obj in _record_body(vector))


def _classify(group: str, key: str, value: Any) -> Iterator[tuple[str, Any]]:
    if group == "json" and key == "document_hex":
        document = parse_json(bytes.fromhex(value))
        if isinstance(document, dict) and "payload" in document:
            yield from _classify("identity", "identity", document)
    elif key in {"identity", "a", "b"} or (group == "record" and key == "members"):
        for identity in value if isinstance(value, list) else [value]:
            yield "signed-object.schema.json", identity
            yield "identity-payload.schema.json", _payload(identity)
    elif key == "entries":
        for entry in value:
            yield "signed-object.schema.json", entry
            yield "membership-payload.schema.json", _payload(entry)
    elif group == "unlinked" and key == "notice":
        yield "signed-object.schema.json", value
        yield "unlinked-payload.schema.json", _payload(value)
    elif (group, key) in _SIMPLE:
        yield _SIMPLE[group, key], value


def _invite_inside(vector: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    keys = invites.derive(unb64u(vector["secret"]))
    record = vector["record"]
    padded = primitives.aead_open(
        keys.invite_key, unb64u(record["nonce"]), unb64u(record["ct"]), ctx("support-circle/v1/invite", keys.invite_id)
    )
    content = parse_json(unpad(padded))
    yield "invite-content.schema.json", content
    yield "invite-payload.schema.json", _payload(content["invite"])


def _record_body(vector: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The body of the record as the runner opens it: a positive vector seals an app document."""
    payload = RUNNERS["record"](vector)["payload"]
    if "body" in payload:
        yield "record-body.schema.json", payload["body"]


_SIMPLE = {
    ("vault", "vault"): "vault.schema.json",
    ("local", "item"): "local-item.schema.json",
    ("key_envelope", "envelope"): "key-envelope.schema.json",
    ("record", "envelope"): "record-envelope.schema.json",
    ("record", "payload"): "record-payload.schema.json",
    ("invite", "record"): "invite-record.schema.json",
    ("join_request", "request"): "join-request.schema.json",
    ("escrow", "escrow"): "escrow.schema.json",
    ("time", "text"): "defs.schema.json#/$defs/timestamp",
    ("escrow", "content"): "escrow-content.schema.json",
}

WIRE_OBJECTS = list(_wire_objects())


@pytest.mark.parametrize(("where", "schema", "value"), WIRE_OBJECTS, ids=[w for w, _, _ in WIRE_OBJECTS])
def test_vector_objects_match_their_schema(where: str, schema: str, value: Any) -> None:
    errors = [e.message for e in validator(schema).iter_errors(value)]
    assert not errors, f"{where}: {errors}"


def test_every_wire_schema_is_exercised_by_a_vector() -> None:
    used = {schema for _, schema, _ in WIRE_OBJECTS}
    expected = {p.name for p in SCHEMAS.glob("*.json")} - {
        "defs.schema.json",
        "error-body.schema.json",
        "server-public.schema.json",
    }
    assert expected <= used


@pytest.mark.parametrize(("component", "schema"), [("ErrorBody", "error-body"), ("ServerPublic", "server-public")])
def test_the_servers_openapi_components_match_the_schemas(component: str, schema: str) -> None:
    openapi = create_app(Settings()).openapi()["components"]["schemas"][component]
    shared = json.loads((SCHEMAS / f"{schema}.schema.json").read_text())
    assert set(openapi["properties"]) == set(shared["properties"])
    assert set(openapi.get("required", [])) == set(shared["required"])
    for name, prop in shared["properties"].items():
        served = openapi["properties"][name]
        served_type = served.get("type") or next(t["type"] for t in served["anyOf"] if t["type"] != "null")
        assert served_type == prop["type"], name


def test_the_record_body_examples_match_their_schema() -> None:
    schema = json.loads((SCHEMAS / "record-body.schema.json").read_text())
    check = validator("record-body.schema.json")
    assert len(schema["examples"]) >= 3
    for example in schema["examples"]:
        check.validate(example)
    wrong = [
        {"kind": "plan", "section": "x", "answer": "y", "shareable": "no", "allyIds": []},
        {"kind": "ally", "name": "Rosa"},
        {"kind": "device", "name": "phone", "seenOn": "yesterday"},
        {"kind": "note", "text": "a kind no app knows yet"},
    ]
    assert [check.is_valid(body) for body in wrong] == [False] * len(wrong)


def _def(name: str) -> Draft202012Validator:
    return validator(f"defs.schema.json#/$defs/{name}")


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("b64u", ["AQ==", "AQ=", "+/8", "AQ ID", "AQIDB", "AR", "AQJ", 1, None]),
        ("id", [b64u(bytes(15)), b64u(bytes(17)), "A" * 21 + "B", "A" * 21 + "=", "A" * 22 + "AA"]),
        ("bytes16", [b64u(bytes(15)), "A" * 21 + "B"]),
        ("key32", [b64u(bytes(31)), b64u(bytes(33)), "A" * 42 + "B"]),
        ("signature", [b64u(bytes(63)), b64u(bytes(65)), "A" * 85 + "B"]),
        ("nonce", [b64u(bytes(8)), b64u(bytes(13))]),
        ("sealed_key", [b64u(bytes(79)), b64u(bytes(81)), "A" * 106 + "B"]),
        ("wrapped_key", [b64u(bytes(47)), b64u(bytes(49))]),
        ("padded_ct", [b64u(bytes(16)), b64u(bytes(256)), b64u(bytes(273)), "A" * 362 + "B"]),
        ("epoch", [-1, 2**32, "3", True, 0.5]),
        ("timestamp", ["2026-01-01T00:00:00+00:00", "2026-01-01t00:00:00z", "\uff12026-01-01T00:00:00Z"]),
        ("version", [2, 0, "1", True]),
    ],
)
def test_the_schemas_fix_what_json_schema_can_express(name: str, refused: list[Any]) -> None:
    check = _def(name)
    assert [value for value in refused if check.is_valid(value)] == []


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("b64u", ["", "AQ", "AQI", "AQID", "-_8"]),
        ("padded_ct", [b64u(bytes(n + 16)) for n in (256, 512, 65536)]),
        ("sealed_key", [b64u(bytes(80))]),
        ("wrapped_key", [b64u(bytes(48))]),
        ("bytes16", [b64u(bytes(16))]),
    ],
)
def test_the_schemas_take_every_length_the_spec_allows(name: str, accepted: list[Any]) -> None:
    assert all(_def(name).is_valid(value) for value in accepted)


def test_json_schema_cannot_tell_1_from_1_0_and_the_schemas_say_so() -> None:
    # What §1 refuses and no schema can: the parser keeps 1.0 apart from 1 (the json and identity
    # vectors check it); the schemas say so where a reader looks.
    assert _def("version").is_valid(1.0) and _def("epoch").is_valid(3.0)
    assert _def("timestamp").is_valid("2026-02-30T00:00:00Z")
    defs = json.loads((SCHEMAS / "defs.schema.json").read_text())["$defs"]
    assert "1.0" in defs["version"]["$comment"] and "3.0" in defs["epoch"]["$comment"]
    assert "2026-02-30" in defs["timestamp"]["$comment"]


# The member kind (members.py, §1's table) each schema definition stands for.
_DEF_KINDS = {
    "id": "b64u16",
    "bytes16": "b64u16",
    "key32": "b64u32",
    "b64u": "b64u",
    "nonce": "b64u",
    "signature": "b64u",
    "sealed_key": "b64u",
    "wrapped_key": "b64u",
    "padded_ct": "b64u",
    "epoch": "u32",
    "timestamp": "time",
}


def _kinds(prop: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """The member kinds a property schema stands for ("null" where it also takes null)."""
    if prop.get("$ref", "").startswith("#/$defs/"):
        return _kinds(root["$defs"][prop["$ref"].rsplit("/", 1)[-1]], root)
    if "$ref" in prop:
        return {_DEF_KINDS.get(prop["$ref"].rsplit("/", 1)[-1], "object")}
    if "oneOf" in prop:
        return set().union(*(_kinds(option, root) for option in prop["oneOf"]))
    if "const" in prop or "enum" in prop:
        value = prop.get("enum", [prop.get("const")])[0]
        return {"boolean" if isinstance(value, bool) else "string" if isinstance(value, str) else "u32"}
    if prop["type"] == "integer":
        # A section may narrow a u32 from below (§15's counter starts at 1).
        if prop.get("maximum") == 2**32 - 1 and prop.get("minimum", -1) >= 0:
            return {"u32"}
        return {"u53" if (prop.get("minimum"), prop.get("maximum")) == (0, 2**53 - 1) else "integer"}
    return {prop["type"]}


def _properties(schema: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        yield from schema.get("properties", {}).items()
        for value in schema.values():
            yield from _properties(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _properties(value)


def test_every_schema_member_has_the_kind_section_1_gives_it() -> None:
    # record-body is the app's document, outside §1's table; error-body and server-public are the API's.
    skip = {"record-body.schema.json", "error-body.schema.json", "server-public.schema.json", "defs.schema.json"}
    seen = set()
    for path in sorted(p for p in SCHEMAS.glob("*.json") if p.name not in skip):
        root = json.loads(path.read_text())
        for name, prop in _properties(root):
            if name == "v":
                continue
            seen.add(name)
            # sig may be null as §2 reads it, but a wire object is always signed: its schema wants a string.
            expected = {MEMBER_KINDS[name]} | ({"null"} if name in NULLABLE - {"sig"} else set())
            assert _kinds(prop, root) == expected, f"{path.name}: {name}"
    # Every member of §1's table appears in some schema, the escrow's content included.
    assert set(MEMBER_KINDS) <= seen


def test_the_escrow_content_schema_refuses_what_a_reader_refuses() -> None:
    content = next(v["content"] for v in vector_files()["escrow.json"]["vectors"] if v["expect"] == "ok")
    assert content["v"] == 1
    check = validator("escrow-content.schema.json")
    check.validate(content)
    head, device = content["head"], content["device"]
    wrong = [
        {**content, "vault_id": "x"},
        {name: value for name, value in content.items() if name != "head"},
        {**content, "v": 2},
        {**content, "v": 3},
        {**content, "counter": 1},
        {**content, "type": "identity"},
        {**content, "device": {**device, "sign_seed": device["sign_seed"][:-2]}},
        {**content, "circle_id": content["circle_id"][:-1] + "B"},
        {**content, "head": {**head, "epoch": 0}},
        {**content, "head": {**head, "seq": -1}},
        {**content, "head": {**head, "seq": True}},
        {**content, "head": {**head, "seq": 2**32}},
    ]
    assert [check.is_valid(document) for document in wrong] == [False] * len(wrong)


def test_the_vault_schema_leaves_the_argon2id_range_to_section_5() -> None:
    # §5 refuses a setting outside its range with weak_parameters on the passphrase path only: the
    # recovery path opens any, so a schema bound would refuse vaults a reader opens.
    vectors = vector_files()["vault.json"]["vectors"]
    vaults = [v["vault"] for v in vectors if v["expect"] in ("ok", "weak_parameters")]
    check = validator("vault.schema.json")
    assert len(vaults) > 10
    assert [check.is_valid(vault) for vault in vaults] == [True] * len(vaults)


def test_the_escrow_content_schema_takes_version_2_and_refuses_a_bad_counter() -> None:
    vectors = vector_files()["escrow.json"]["vectors"]
    content = next(v["content"] for v in vectors if v["expect"] == "ok" and v["content"]["v"] == 2)
    check = validator("escrow-content.schema.json")
    check.validate(content)
    without = {name: value for name, value in content.items() if name != "counter"}
    wrong = [without, {**content, "counter": 0}, {**content, "counter": 2**32}, {**content, "counter": "7"}]
    assert [check.is_valid(document) for document in wrong] == [False] * len(wrong)
