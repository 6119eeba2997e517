"""Python protocol figures: Argon2id unlock time, 1 KB records sealed and opened per second, and
the word merge of a long note (PROTOCOL.md §7, "Merging text").

make bench
"""

import random
import statistics
import time

from support_circle.protocol import circle_keys, membership, primitives, records, vault
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.merge import merge
from support_circle.protocol.records import RecordRef

RECORDS = 2000


def unlock_seconds(params: vault.Argon2Parameters, runs: int = 5) -> list[float]:
    made = vault.create_vault("a passphrase of ordinary length", params)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        vault.unlock_with_passphrase(made.vault, "a passphrase of ordinary length")
        timings.append(time.perf_counter() - start)
    return timings


def record_rates() -> tuple[float, float]:
    author = DeviceKeys.generate()
    circle_id, key = primitives.random_bytes(16), circle_keys.new_epoch_key()
    genesis = membership.genesis(author, circle_id, key)
    state = membership.verify_log(circle_id, membership.entry_hash(genesis), [genesis])
    body = {"kind": "note", "text": "x" * 1000}
    start = time.perf_counter()
    sealed = [
        records.seal_record(
            author,
            RecordRef(circle_id, primitives.random_bytes(16), 0),
            key,
            change_id=primitives.random_bytes(16),
            hlc=f"1795651200000-0000-{b64u(author.device_id)}",
            body=body,
        )
        for _ in range(RECORDS)
    ]
    seal_rate = RECORDS / (time.perf_counter() - start)
    lookup = state.authors_of(0)
    start = time.perf_counter()
    for envelope in sealed:
        records.open_record(envelope, {0: key}, lookup)
    return seal_rate, RECORDS / (time.perf_counter() - start)


def text_merge_ms(words: int = 2000, edits: int = 40, runs: int = 10) -> float:
    """One merge of a note of ``words`` words (800 distinct) that both sides edited in ``edits`` places."""
    draw = random.Random(1)  # the same note on every run
    base = [f"w{draw.randrange(800)}" for _ in range(words)]

    def edit() -> str:
        changed = list(base)
        for _ in range(edits):
            at = draw.randrange(len(changed))
            changed[at : at + 2] = [f"x{draw.randrange(50)}"]
        return " ".join(changed)

    local, remote = edit(), edit()
    start = time.perf_counter()
    for _ in range(runs):
        merge({"text": " ".join(base)}, {"text": local}, {"text": remote}, local_is_later=True)
    return (time.perf_counter() - start) / runs * 1000


def main() -> None:
    print("Python (cryptography), this machine")
    for label, params in [
        ("Argon2id m=64 MiB t=3 p=1 (default)", vault.DEFAULT_PARAMETERS),
        ("Argon2id m=32 MiB t=3 p=1", vault.Argon2Parameters(32768, 3, 1)),
        ("Argon2id m=19 MiB t=2 p=1 (floor)", vault.Argon2Parameters(19456, 2, 1)),
    ]:
        timings = unlock_seconds(params)
        print(f"  {label:<44} median {statistics.median(timings) * 1000:7.1f} ms  (5 runs)")
    seal_rate, open_rate = record_rates()
    print(f"  {'1 KB records sealed (sign + encrypt)':<44} {seal_rate:9.0f} /s")
    print(f"  {'1 KB records opened (decrypt + verify)':<44} {open_rate:9.0f} /s")
    print(f"  {'2,000-word note merged, 40 edits a side':<44} {text_merge_ms():9.1f} ms")


if __name__ == "__main__":
    main()
