"""Runs one vector of shared_schema/vectors/ through this implementation (see that folder's README)."""

from collections.abc import Callable
from typing import Any

from support_circle.protocol import (
    authors,
    chains,
    circle_keys,
    escrow,
    invites,
    keyring,
    membership,
    placement,
    records,
    unlinked,
    vault,
)
from support_circle.protocol.encoding import b64u, format_time, parse_json, parse_time, unb64u
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import verify_identity
from support_circle.protocol.merge import merge, same
from support_circle.protocol.padding import pad, unpad
from support_circle.protocol.safety import safety_number
from support_circle.protocol.text_merge import units

Vector = dict[str, Any]
Outputs = dict[str, Any]

OUTPUTS: dict[str, tuple[str, ...]] = {
    "encoding": ("bytes_hex",),
    "padding": ("output_hex", "output_len"),
    "identity": ("device_id", "sign_pub", "kem_pub"),
    "json": ("value", "depth", "device_id", "sign_pub", "kem_pub"),
    "time": ("unix_seconds",),
    "recovery_key": ("recovery_key",),
    "recovery_key_encode": ("text",),
    "vault": ("vault_key",),
    "local": ("plaintext_hex",),
    "key_derivation": ("record_key", "key_commitment"),
    "key_envelope": ("epoch_key",),
    "record": ("payload",),
    "chain": ("heads",),
    "membership": ("members", "epoch", "key_commitments", "epoch_members", "head"),
    "companions": ("members", "epoch", "key_commitments", "epoch_members", "head", "persons"),
    "keyring": ("link_record_id", "key_record_id", "key_epoch"),
    "invite_derivation": ("invite_id", "invite_key", "auth_pub"),
    "invite": ("circle_id", "genesis_hash", "expires_at", "inviter_device_id"),
    "join_request": ("device_id",),
    "safety_number": ("number",),
    "merge": ("result",),
    "text_merge": ("units", "result"),
    "escrow": ("escrow_id", "escrow_key", "content"),
    "authors": ("may_write",),
    "epoch_keys": ("keys", "unreadable"),
    "placement": ("closed", "ends"),
    "unlinked": ("signer", "seq", "entry_hash"),
}


def _encoding(v: Vector) -> Outputs:
    return {"bytes_hex": unb64u(v["input"]).hex()}


def _padding_input(v: Vector) -> bytes:
    if "input_hex" in v:
        return bytes.fromhex(v["input_hex"])
    count: int = v["count"]
    return bytes.fromhex(v["repeat_hex"]) * count


def _padding(v: Vector) -> Outputs:
    output = pad(_padding_input(v)) if v["op"] == "pad" else unpad(_padding_input(v))
    return {"output_hex": output.hex(), "output_len": len(output)}


def _identity(v: Vector) -> Outputs:
    identity = verify_identity(v["identity"])
    return {
        "device_id": b64u(identity.device_id),
        "sign_pub": b64u(identity.sign_pub),
        "kem_pub": b64u(identity.kem_pub),
    }


def _json(v: Vector) -> Outputs:
    document = parse_json(bytes.fromhex(v["document_hex"]))
    if v["read_as"] == "identity":
        return _identity({"identity": document})
    return {"value": document, "depth": _depth(document)}


def _depth(value: Any) -> int:
    """Arrays and objects nested in ``value``: 0 for a scalar, 1 for ``[1]``."""
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    return 0 if children is None else 1 + max(map(_depth, children), default=0)


def _time(v: Vector) -> Outputs:
    return {"unix_seconds": int(parse_time(v["text"]).timestamp())}


def _vault(v: Vector) -> Outputs:
    if "passphrase" in v:
        key = vault.unlock_with_passphrase(v["vault"], v["passphrase"], allow_vector_parameters=True)
    else:
        key = vault.unlock_with_recovery(v["vault"], v["recovery_text"])
    return {"vault_key": b64u(key)}


def _local(v: Vector) -> Outputs:
    plaintext = vault.open_local(unb64u(v["vault_key"]), unb64u(v["vault_id"]), v["store"], v["key"], v["item"])
    return {"plaintext_hex": plaintext.hex()}


def _key_derivation(v: Vector) -> Outputs:
    key, circle_id = unb64u(v["epoch_key"]), unb64u(v["circle_id"])
    return {
        "record_key": b64u(circle_keys.record_key(key, circle_id)),
        "key_commitment": b64u(circle_keys.key_commitment(key, circle_id)),
    }


def _key_envelope(v: Vector) -> Outputs:
    commitments = {int(epoch): unb64u(c) for epoch, c in v["commitments"].items()}
    recipient, private = unb64u(v["recipient_device_id"]), unb64u(v["recipient_kem_private"])
    _circle, _epoch, key = circle_keys.open_key_envelope(v["envelope"], recipient, private, commitments)
    return {"epoch_key": b64u(key)}


def _record(v: Vector) -> Outputs:
    return {"payload": records.open_record(v["envelope"], *_record_trust(v, v["envelope"]))}


def _record_trust(v: Vector, envelope: Any) -> tuple[dict[int, bytes], Callable[[bytes], bytes | None]]:
    keys = {int(epoch): unb64u(key) for epoch, key in v["epoch_keys"].items()}
    identities = {i.device_id: i.sign_pub for i in map(verify_identity, v["members"])}
    during = {int(epoch): {unb64u(d) for d in ids} for epoch, ids in v["epoch_members"].items()}
    # The envelope's own epoch, as a client's lookup takes it (open_record refuses one that is no
    # integer before it looks anyone up).
    epoch = envelope.get("epoch")

    def author(device_id: bytes) -> bytes | None:
        return identities.get(device_id) if device_id in during.get(epoch, set()) else None

    return keys, author


def _chain(v: Vector) -> Outputs:
    """Reads the steps in order as one reader; a step ``{"left_out": true}`` is a change it could not open."""
    state = chains.ChainState(complete=v["complete"])
    reader = unb64u(v["reader"])
    for step in v["steps"]:
        if step.get("left_out"):
            state.left_out()
            continue
        revision = chains.revision_of(records.open_revision(step["envelope"], *_record_trust(v, step["envelope"])))
        if revision is not None:
            chains.read(state, revision, reader)
    return {"heads": {b64u(d): {"n": link.n, "hash": b64u(link.hash)} for d, link in state.heads.items()}}


def _membership(v: Vector) -> Outputs:
    known = v.get("known_head")
    head = membership.Head(known["seq"], unb64u(known["hash"])) if known else None
    return state_outputs(membership.verify_log(unb64u(v["circle_id"]), unb64u(v["genesis_hash"]), v["entries"], head))


def state_outputs(state: membership.CircleState) -> Outputs:
    """What a membership vector states about a verified log."""
    members = sorted(({"device_id": b64u(d), "role": m.role} for d, m in state.members.items()), key=_by_device)
    return {
        "members": members,
        "epoch": state.epoch,
        "key_commitments": {str(e): b64u(c) for e, c in sorted(state.commitments.items())},
        "epoch_members": {str(e): sorted(map(b64u, ids)) for e, ids in sorted(state.epoch_members.items())},
        "head": {"seq": state.head.seq, "hash": b64u(state.head.hash)},
    }


def _by_device(member: dict[str, str]) -> str:
    return member["device_id"]


def _persons(v: Vector) -> Outputs:
    state = membership.verify_log(unb64u(v["circle_id"]), unb64u(v["genesis_hash"]), v["entries"])
    return {b64u(d): b64u(p) for d, p in sorted(state.persons.items())}


def _keyring(v: Vector) -> Outputs:
    if "body" in v:
        state = membership.verify_log(unb64u(v["circle_id"]), unb64u(v["genesis_hash"]), v["entries"])
        return {"key_epoch": keyring.checked_key(v["body"], state)[0]}
    personal, circle_id = unb64u(v["personal_circle_id"]), unb64u(v["circle_id"])
    return {
        "link_record_id": b64u(keyring.link_record_id(personal, circle_id)),
        "key_record_id": b64u(keyring.key_record_id(personal, circle_id, v["epoch"])),
    }


def _invite_derivation(v: Vector) -> Outputs:
    keys = invites.derive(unb64u(v["secret"]))
    return {"invite_id": b64u(keys.invite_id), "invite_key": b64u(keys.invite_key), "auth_pub": b64u(keys.auth_pub)}


def _invite(v: Vector) -> Outputs:
    invite = invites.open_invite(unb64u(v["secret"]), v["record"], parse_time(v["now"]))
    if "entries" in v:
        state = membership.verify_log(invite.circle_id, invite.genesis_hash, v["entries"])
        invites.check_inviter_is_admin(invite, state, invite.genesis_hash)
    return {
        "circle_id": b64u(invite.circle_id),
        "genesis_hash": b64u(invite.genesis_hash),
        "expires_at": format_time(invite.expires_at),
        "inviter_device_id": b64u(invite.inviter.device_id),
    }


def _join_request(v: Vector) -> Outputs:
    if "secret" not in v:  # an admin who never held the link, on the circle's log (§9, "Any admin answers")
        circle_id, genesis_hash = unb64u(v["circle_id"]), unb64u(v["genesis_hash"])
        state = membership.verify_log(circle_id, genesis_hash, v["entries"])
        now = parse_time(v["now"])
        return {
            "device_id": b64u(invites.verify_request_by_invite(state, genesis_hash, v["request"], now).joiner.device_id)
        }
    keys = invites.derive(unb64u(v["secret"]))
    joiner = invites.verify_join_request(keys.auth_pub, keys.invite_id, v["request"])
    return {"device_id": b64u(joiner.device_id)}


def _escrow(v: Vector) -> Outputs:
    recovery_key = unb64u(v["recovery_key"])
    content = escrow.open_with_recovery_key(recovery_key, v["escrow"])
    return {
        "escrow_id": b64u(escrow.escrow_id(recovery_key)),
        "escrow_key": b64u(escrow.escrow_key(recovery_key)),
        "content": content.document(),
    }


def _safety_number(v: Vector) -> Outputs:
    a, b = verify_identity(v["a"]), verify_identity(v["b"])
    one_way, other_way = safety_number(a, b), safety_number(b, a)
    if one_way != other_way:
        raise AssertionError("a safety number must not depend on who computes it")
    return {"number": one_way}


def _authors(v: Vector) -> Outputs:
    def is_admin(device: str) -> bool:
        return device in v["admins"]

    args = {"record_id": v["record_id"], "author": v["author"], "circle_id": v["circle_id"]}
    return {"may_write": authors.may_write(v["kind"], **args, is_admin=is_admin, base_author=v["base_author"])}


def _epoch_keys(v: Vector) -> Outputs:
    state = membership.verify_log(unb64u(v["circle_id"]), unb64u(v["genesis_hash"]), v["entries"])
    me, private = unb64u(v["recipient_device_id"]), unb64u(v["recipient_kem_private"])
    held = circle_keys.held_keys(v["envelopes"], state, me, private, shared=v["shared"])
    return {"keys": {str(e): b64u(k) for e, k in sorted(held.keys.items())}, "unreadable": sorted(held.unreadable)}


def _placement(v: Vector) -> Outputs:
    state = membership.verify_log(unb64u(v["circle_id"]), unb64u(v["genesis_hash"]), v["entries"])
    placement.check_position(state, v["epoch"], v["position"])
    if "hlc" in v:
        placement.check_clock(v["hlc"], v["now_ms"])
    return {"closed": state.closed, "ends": {str(e): n for e, n in sorted(state.ends.items())}}


def _unlinked(v: Vector) -> Outputs:
    state = membership.verify_log(unb64u(v["circle_id"]), unb64u(v["genesis_hash"]), v["entries"])
    notice = unlinked.verify(v["notice"], state, unb64u(v["device_id"]))
    return {"signer": b64u(notice.signer), "seq": notice.removal.seq, "entry_hash": b64u(notice.removal.hash)}


RUNNERS: dict[str, Callable[[Vector], Outputs]] = {
    "encoding": _encoding,
    "padding": _padding,
    "identity": _identity,
    "json": _json,
    "time": _time,
    "recovery_key": lambda v: {"recovery_key": b64u(vault.recovery_key_from_text(v["text"]))},
    "recovery_key_encode": lambda v: {"text": vault.recovery_key_to_text(unb64u(v["recovery_key"]))},
    "vault": _vault,
    "local": _local,
    "key_derivation": _key_derivation,
    "key_envelope": _key_envelope,
    "record": _record,
    "chain": _chain,
    "membership": _membership,
    "companions": lambda v: {**_membership(v), "persons": _persons(v)},
    "keyring": _keyring,
    "invite_derivation": _invite_derivation,
    "invite": _invite,
    "join_request": _join_request,
    "safety_number": _safety_number,
    "merge": lambda v: {
        "result": merge(
            v["base"],
            v["local"],
            v["remote"],
            local_is_later=v["local_is_later"],
            local_hlc=v.get("local_hlc"),
            remote_hlc=v.get("remote_hlc"),
        )
    },
    "text_merge": lambda v: {"units": units(v["text"])} if v["op"] == "units" else RUNNERS["merge"](v),
    "escrow": _escrow,
    "authors": _authors,
    "epoch_keys": _epoch_keys,
    "placement": _placement,
    "unlinked": _unlinked,
}


def run(group: str, vector: Vector) -> str | None:
    """None when the vector's expectation holds, else a sentence saying what happened instead."""
    try:
        outputs = RUNNERS[group](vector)
    except ProtocolError as exc:
        return None if exc.code == vector["expect"] else f"failed with {exc.code}, expected {vector['expect']}"
    if vector["expect"] != "ok":
        return f"succeeded, expected {vector['expect']}"
    wrong = [key for key in OUTPUTS[group] if key in vector and not same(vector[key], outputs[key])]
    return f"outputs differ: {', '.join(wrong)}" if wrong else None
