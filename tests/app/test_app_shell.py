"""The first screen's script stays within its budget, and every chunk loaded later is precached.

The first screen (unlock, or the first run) waits for the page's module script and what it imports
statically; the rest of the app is loaded with import() after it is drawn (docs/architecture.md
§9). That only holds offline if the service worker precaches every chunk. The figures are
bench/app_size.py's, which prints them all.
"""

from pathlib import Path

import pytest

from bench.app_size import BUDGET_FIRST_SCREEN, first_load, first_screen, gzip_size
from tests.conftest import REPO

DIST = REPO / "frontend" / "dist"
# Fetched when someone types a new passphrase, not by a first visit (frontend/vite.config.ts).
ON_DEMAND_PREFIX = "strength-"


@pytest.fixture(scope="module")
def dist() -> Path:
    if not (DIST / "index.html").is_file():
        pytest.fail("The app is not built: run 'make test', which builds it (or: cd frontend && npm run build)")
    return DIST


def test_the_first_screen_waits_for_no_more_script_than_its_budget(dist: Path) -> None:
    files = first_screen(dist)
    sizes = {name: gzip_size((dist / name).read_bytes()) for name in sorted(files)}
    assert any(name.startswith("assets/index-") for name in sizes), "the page's module script is counted"
    total = sum(sizes.values())
    listed = ", ".join(f"{name} {size / 1024:.1f}" for name, size in sizes.items())
    assert total <= BUDGET_FIRST_SCREEN, (
        f"the first screen waits for {total / 1024:.1f} KiB gzip of script, over its budget of "
        f"{BUDGET_FIRST_SCREEN / 1024:.0f} KiB ({listed}): load what is needed only after unlock with import()"
    )


def test_every_chunk_but_the_estimators_lists_is_precached(dist: Path) -> None:
    precached = first_load(dist)
    chunks = {f"assets/{path.name}" for path in (dist / "assets").glob("*.js")}
    later = {name for name in chunks if not name.startswith(f"assets/{ON_DEMAND_PREFIX}")}
    assert later - precached == set(), "a chunk loaded with import() would not open offline"
    assert first_screen(dist) <= precached
