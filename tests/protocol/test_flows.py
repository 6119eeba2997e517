"""Whole protocol flows with several devices, the way the clients will run them."""

from datetime import UTC, datetime, timedelta

import pytest

from support_circle.protocol import ProtocolError, circle_keys, invites, membership, records, vault
from support_circle.protocol.identity import DeviceKeys, verify_identity
from support_circle.protocol.safety import safety_number
from tests.protocol.builders import Circle

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_a_vault_opens_with_its_passphrase_or_recovery_key_and_can_be_strengthened() -> None:
    with pytest.raises(ProtocolError) as refused:
        vault.create_vault("a long walk by the sea", vault.VECTOR_PARAMETERS)
    assert refused.value.code == "weak_parameters", "test parameters are refused unless a test asks"
    made = vault.create_vault("a long walk by the sea", vault.VECTOR_PARAMETERS, allow_vector_parameters=True)
    with pytest.raises(ProtocolError) as refused:
        vault.unlock_with_passphrase(made.vault, "a long walk by the sea")
    assert refused.value.code == "weak_parameters", "test parameters are refused outside vectors"
    assert (
        vault.unlock_with_passphrase(made.vault, "a long walk by the sea", allow_vector_parameters=True)
        == made.vault_key
    )
    assert vault.unlock_with_recovery(made.vault, made.recovery_text) == made.vault_key

    stronger = vault.rewrap_passphrase(made.vault, made.vault_key, "new words", vault.DEFAULT_PARAMETERS)
    assert stronger["kdf"]["m_kib"] == 65536
    assert vault.unlock_with_passphrase(stronger, "new words") == made.vault_key
    assert vault.unlock_with_recovery(stronger, made.recovery_text) == made.vault_key


def test_an_invited_ally_joins_after_approval_and_reads_the_circle() -> None:
    survivor, ally = DeviceKeys.generate(), DeviceKeys.generate()
    circle = Circle(survivor)
    note = circle.write(survivor, "Meet at the library on Thursday.")

    secret = invites.new_secret()
    record = invites.seal_invite(survivor, secret, circle.circle_id, circle.genesis_hash, NOW + timedelta(days=7))
    invite = invites.open_invite(secret, record, NOW)  # on the ally's device, from the link
    request = invites.make_join_request(secret, ally)
    keys = invites.derive(secret)
    invites.verify_join_request(keys.auth_pub, keys.invite_id, request)  # the server's check
    joiner = invites.verify_join_request(keys.auth_pub, keys.invite_id, request)  # the admin's
    assert safety_number(joiner, survivor.public) == safety_number(invite.inviter, ally.public)

    envelope = circle.add(ally)
    state = membership.verify_log(invite.circle_id, invite.genesis_hash, circle.log)
    assert state.members[survivor.device_id].role == "admin"
    _, epoch, key = circle_keys.open_key_envelope(envelope, ally.device_id, ally.kem_private, state.commitments)
    payload = records.open_record(note, {epoch: key}, state.authors_of(epoch))
    assert payload["body"]["text"] == "Meet at the library on Thursday."


def test_a_removed_ally_cannot_read_what_is_written_after() -> None:
    survivor, ally = DeviceKeys.generate(), DeviceKeys.generate()
    circle = Circle(survivor)
    envelope = circle.add(ally)
    state = circle.state
    _, epoch, ally_key = circle_keys.open_key_envelope(envelope, ally.device_id, ally.kem_private, state.commitments)
    before = circle.write(ally, "I can drive on Saturday.")

    circle.remove(ally)
    after = circle.write(survivor, "New place: the community garden.")
    assert after["epoch"] == 1

    held_by_ally = {epoch: ally_key}
    for attempt in (after, {**after, "epoch": 0}):
        with pytest.raises(ProtocolError) as refused:
            records.open_record(attempt, held_by_ally, circle.state.authors_of(attempt["epoch"]))
        assert refused.value.code in {"unknown_epoch", "decrypt_failed"}

    # The ally's words from before stay readable and attributed to them.
    old = records.open_record(before, {0: circle.keys[0]}, circle.state.authors_of(0))
    assert old["author"] == envelope["recipient"]


def test_a_removed_member_cannot_write_into_a_later_epoch() -> None:
    survivor, ally = DeviceKeys.generate(), DeviceKeys.generate()
    circle = Circle(survivor)
    circle.add(ally)
    circle.remove(ally)
    # Even holding the new key (say it leaked), the removed ally is no author in epoch 1.
    forged = circle.write(ally, "Please send me the new address.", epoch=1)
    with pytest.raises(ProtocolError) as refused:
        records.open_record(forged, circle.keys, circle.state.authors_of(1))
    assert refused.value.code == "unknown_author"


def test_a_server_cannot_add_a_reader_or_hand_out_its_own_key() -> None:
    survivor, server = DeviceKeys.generate(), DeviceKeys.generate()
    circle = Circle(survivor)
    state = circle.state
    injected = membership.add(server, state, server.identity())
    with pytest.raises(ProtocolError) as refused:
        membership.verify_log(circle.circle_id, circle.genesis_hash, [*circle.log, injected])
    assert refused.value.code == "unknown_author"

    ally = DeviceKeys.generate()
    circle.add(ally)
    own_key = circle_keys.seal_key_envelope(circle.circle_id, 0, ally.public, circle_keys.new_epoch_key())
    with pytest.raises(ProtocolError) as refused:
        circle_keys.open_key_envelope(own_key, ally.device_id, ally.kem_private, circle.state.commitments)
    assert refused.value.code == "key_mismatch"


def test_a_rolled_back_log_is_noticed() -> None:
    survivor = DeviceKeys.generate()
    circle = Circle(survivor)
    circle.add(DeviceKeys.generate())
    seen = circle.state.head
    with pytest.raises(ProtocolError) as refused:
        membership.verify_log(circle.circle_id, circle.genesis_hash, circle.log[:1], seen)
    assert refused.value.code == "rolled_back"


def test_an_identity_round_trips_and_names_its_device() -> None:
    device = DeviceKeys.generate()
    assert verify_identity(device.identity()) == device.public
