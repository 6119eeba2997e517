"""Honest pushes with and without a hostile member at work, on SQLite and PostgreSQL, side by side.

    make bench            (or: .venv/bin/python -m bench.hostile_load [--rounds 6])

The scene of tests/robustness/hostile_load.py: 49 honest devices in seven shared circles and one
hostile member of all seven, in its own process, pushing garbage records, offering oversized key
envelopes, flooding live streams and growing a membership log as fast as the server lets it. The
server keeps its default limits for signed-in devices. Each database gets one server; the quiet
phase runs first, then the hostile one, on the same circles. Printed: honest push latency p50 and
p90 in each phase, their ratio, and the hostile device's answers by status.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench import databases
from bench.sync_server import server
from tests.robustness.hostile_load import Phase, scene

# The server's own limits for signed-in devices; ServerProcess opens registration and lifts the
# anonymous limits, or fifty devices could not register from one address.
DEFAULT_LIMITS: dict[str, str] = {}


def row(name: str, phase: Phase) -> str:
    return f"{name:<8} pushes {len(phase.latencies):>4}  p50 {phase.p50:7.1f} ms  p90 {phase.p(0.9):7.1f} ms"


def measure(url: str, rounds: int) -> None:
    with scene(url) as made:
        quiet = made.phase(rounds, with_hostile=False)
        attacked = made.phase(rounds, with_hostile=True)
        made.check_nothing_lost()
    print(row("quiet", quiet))
    print(row("hostile", attacked))
    print(f"ratio    p50 {attacked.p50 / quiet.p50:.2f}x  p90 {attacked.p(0.9) / quiet.p(0.9):.2f}x")
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(attacked.hostile_statuses.items()))
    print(f"hostile device's answers by status: {answers}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6, help="write-push-pull rounds per honest device per phase")
    databases.add_option(parser)
    args = parser.parse_args()
    print(f"# One hostile member among 50 devices, on {os.cpu_count()} cores, one server process")
    for database in databases.chosen(args):
        print(f"\n## {database}")
        with tempfile.TemporaryDirectory() as folder, server(database, Path(folder), DEFAULT_LIMITS) as (url, _):
            measure(url, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
