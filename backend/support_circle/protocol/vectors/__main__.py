"""``python -m support_circle.protocol.vectors generate | fresh DIR | check DIR``."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from support_circle.protocol.vectors import (
    build_authors,
    build_chains,
    build_circle,
    build_companions,
    build_depart,
    build_epochs,
    build_json,
    build_local,
    build_merge,
    build_recovery,
    build_text_merge,
    build_unlinked,
)
from support_circle.protocol.vectors.making import randomness, substream
from support_circle.protocol.vectors.runner import run

VECTORS = Path(__file__).resolve().parents[4] / "shared_schema" / "vectors"
SEED = b"support-circle protocol v1 test vectors"


def build(seed: bytes | None, negatives: bool) -> dict[str, dict[str, Any]]:
    with randomness(seed):
        files = {**build_local.build(), **build_circle.build(), **build_merge.build(), **build_authors.build()}
        # Drawn last: keys come from one seeded stream, so the files made before keep their bytes.
        files.update(build_recovery.build())
        files.update(build_epochs.build())
        files.update(build_json.build())
        files["placement"] = build_depart.placement_vectors()
        files.update(build_chains.build())
        with substream("unlinked"):
            files.update(build_unlinked.build())
        files.update(build_text_merge.build())
        files.update(build_companions.build())
    if not negatives:
        for content in files.values():
            content["vectors"] = [v for v in content["vectors"] if v["expect"] == "ok"]
    return files


def write(folder: Path, files: dict[str, dict[str, Any]], prefix: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for group, content in files.items():
        (folder / f"{prefix}{group}.json").write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n")


def check(folder: Path) -> dict[str, Any]:
    passed, failed = 0, []
    for path in sorted(folder.glob("*.json")):
        content = json.loads(path.read_text())
        for vector in content["vectors"]:
            problem = run(content["group"], vector)
            if problem is None:
                passed += 1
            else:
                failed.append({"file": path.name, "name": vector["name"], "expected": vector["expect"], "got": problem})
    return {"passed": passed, "failed": failed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support_circle.protocol.vectors")
    parser.add_argument("command", choices=["generate", "fresh", "check"])
    parser.add_argument("folder", nargs="?", type=Path)
    args = parser.parse_args(argv)
    if args.command == "generate":
        write(args.folder or VECTORS, build(SEED, negatives=True))
        return 0
    if args.folder is None:
        parser.error(f"{args.command} needs a folder")
    if args.command == "fresh":
        write(args.folder, build(None, negatives=False))
        return 0
    result = check(args.folder)
    print(json.dumps(result))
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
