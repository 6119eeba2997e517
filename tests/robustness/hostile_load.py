"""Fifty devices in seven shared circles, one of them hostile: what the load test and the benchmark
both run (tests/robustness/test_hostile_load.py checks it, bench/hostile_load.py times it).

Forty-nine honest devices, seven to a circle, each round write two notes, push and pull. The
hostile device is a plain member of every circle and runs ``tests/robustness/hostile.py`` in its
own process. A run has two phases on the same server and circles: a quiet one, then one with the
hostile device at work; each honest push is timed, so the two phases compare side by side.
"""

import json
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from support_circle.client import CircleReplica, Device
from support_circle.protocol.encoding import b64u
from tests.robustness.conftest import assert_whole_log, at_one_barrier, new_device, retrying_dropped, server_log

CIRCLES, HONEST_PER_CIRCLE = 7, 7
NOTES_PER_ROUND = 2
PHASE_DEADLINE_SECONDS = 180


@dataclass
class Honest:
    """One honest member: writes, pushes (timed) and pulls, round after round."""

    replica: CircleReplica
    acknowledged: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    def run(self, start: threading.Barrier, rounds: int) -> None:
        start.wait(timeout=60)
        for turn in range(rounds):
            self.round(turn)

    def round(self, turn: int) -> None:
        written = [
            self.replica.write({"kind": "note", "text": f"round {turn}, note {n}"}) for n in range(NOTES_PER_ROUND)
        ]
        started = time.perf_counter()
        retrying_dropped(self.replica.push)
        self.latencies.append(time.perf_counter() - started)
        for record_id in written:
            revision = self.replica.records[record_id]
            self.acknowledged[revision.payload["change_id"]] = revision.seq
        retrying_dropped(self.replica.pull)


@dataclass
class Phase:
    latencies: list[float]
    hostile_statuses: Counter[int]

    def p(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000


@dataclass
class Scene:
    url: str
    circles: list[list[Honest]]
    hostile: subprocess.Popen[str]
    hostile_id: str

    @property
    def honest(self) -> list[Honest]:
        return [member for circle in self.circles for member in circle]

    def phase(self, rounds: int, *, with_hostile: bool) -> Phase:
        before = [len(h.latencies) for h in self.honest]
        statuses: Counter[int] = Counter()
        if with_hostile:
            self._tell_hostile([b64u(circle[0].replica.circle_id) for circle in self.circles])
        try:
            _all_at_once(self.honest, rounds)
        finally:
            if with_hostile:
                statuses = self._stop_hostile()
        latencies = [t for h, n in zip(self.honest, before, strict=True) for t in h.latencies[n:]]
        return Phase(latencies, statuses)

    def _tell_hostile(self, shared: list[str]) -> None:
        assert self.hostile.stdin is not None
        self.hostile.stdin.write(json.dumps(shared) + "\n")
        self.hostile.stdin.flush()
        time.sleep(1.0)  # its streams and first pushes are under way before the honest start

    def _stop_hostile(self) -> Counter[int]:
        out, _ = self.hostile.communicate("stop\n", timeout=90)
        return Counter({int(k): v for k, v in json.loads(out.strip().splitlines()[-1])["statuses"].items()})

    def check_nothing_lost(self) -> None:
        """Every acknowledged change is in its circle's log, at its seq; every honest member holds
        every honest note of its circle; what was set aside came from the hostile device only."""
        for circle in self.circles:
            acknowledged = {cid: seq for member in circle for cid, seq in member.acknowledged.items()}
            admin = circle[0].replica
            assert_whole_log(server_log(self.url, str(admin.device.api.token), b64u(admin.circle_id)), acknowledged)
            for member in circle:
                member.replica.pull()
                notes = {r.payload["change_id"] for r in member.replica.records.values()}
                assert set(acknowledged) <= notes, f"{len(set(acknowledged) - notes)} notes missing"
                authors = {aside.author for aside in member.replica.set_aside}
                assert authors <= {self.hostile_id}, f"set aside from an honest member: {authors}"


@contextmanager
def scene(url: str) -> Iterator[Scene]:
    """The honest circles and the hostile device, added to each as a plain member."""
    hostile = subprocess.Popen(
        [sys.executable, "-m", "tests.robustness.hostile", url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert hostile.stdout is not None
        identity = json.loads(hostile.stdout.readline())["identity"]
        with ThreadPoolExecutor(max_workers=8) as pool:
            devices = list(pool.map(lambda _: new_device(url), range(CIRCLES * HONEST_PER_CIRCLE)))
        circles = [
            _circle(devices[i * HONEST_PER_CIRCLE : (i + 1) * HONEST_PER_CIRCLE], identity) for i in range(CIRCLES)
        ]
        yield Scene(url, circles, hostile, identity["signer"])
    finally:
        if hostile.poll() is None:
            hostile.kill()
            hostile.wait()


def _circle(devices: list[Device], hostile_identity: dict[str, object]) -> list[Honest]:
    admin, *others = devices
    replica = admin.create_circle(shared=True)
    for device in others:
        replica.add_member(device.keys.identity())
    replica.add_member(hostile_identity)
    joined = [device.join_circle(replica.circle_id, replica.genesis_hash, shared=True) for device in others]
    return [Honest(r) for r in [replica, *joined]]


def _all_at_once(members: list[Honest], rounds: int) -> None:
    at_one_barrier([partial(member.run, rounds=rounds) for member in members], PHASE_DEADLINE_SECONDS, "honest members")
