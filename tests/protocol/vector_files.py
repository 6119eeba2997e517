"""The shared vector files, loaded once for every test that runs them."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from tests.conftest import REPO

VECTORS = REPO / "shared_schema" / "vectors"


@cache
def vector_files() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(VECTORS.glob("*.json"))}


def vector_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """``(file, group, vector)`` for every vector, including those the TypeScript side made."""
    return [(name, f["group"], v) for name, f in vector_files().items() for v in f["vectors"]]


def case_id(case: tuple[str, str, dict[str, Any]]) -> str:
    return f"{Path(case[0]).stem}: {case[2]['name']}"
