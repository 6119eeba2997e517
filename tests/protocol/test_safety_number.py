"""Safety numbers (PROTOCOL.md §10): every one of the 8 groups a person reads out carries digits."""

from support_circle.protocol import primitives
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.safety import GROUPS, safety_number


def _device(n: int) -> DeviceKeys:
    seed = primitives.sha256(b"safety-number test device %d" % n)
    return DeviceKeys(seed, primitives.sha256(seed))


def test_no_group_is_the_same_for_every_pair_of_identities() -> None:
    # With 5 bytes per group taken from a 32-byte hash, the 8th group was always 00000 and the 7th
    # never above 65535: people compared digits that said nothing.
    numbers = [safety_number(_device(2 * i).public, _device(2 * i + 1).public).split(" ") for i in range(200)]
    for group in range(GROUPS):
        assert len({number[group] for number in numbers}) > 1, f"group {group + 1} is constant"
    assert any(int(number[6]) > 65535 for number in numbers), "the 7th group never exceeds 65535"
    assert all(len(number) == GROUPS and all(len(g) == 5 and g.isdigit() for g in number) for number in numbers)
