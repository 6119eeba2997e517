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
from support_circle.protocol.encoding import ctx, parse_json, unb64u
from support_circle.protocol.padding import unpad
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
        # The app's documents: the protocol's vectors seal any JSON body; these are checked by the
        # schema's own examples (below) and by what the TypeScript app writes (tests/cross).
        "record-body.schema.json",
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
