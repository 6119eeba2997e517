"""Prints what the app shell costs on first load, gzip-compressed, against docs/architecture.md §9.

On the first visit the browser fetches the page and the service worker precaches every file its
precache list names (in frontend/dist/sw.js), with the worker itself: that is what a first load
transfers. The few files left out of that list (the passphrase estimator's lists) are fetched only
when a screen needs them, and are printed apart. The JavaScript the first screen (unlock, or the
first run) waits for is printed too: the page's module script and what it imports statically, not
the chunks it loads with import() afterwards (opening the vault, the unlocked app, circles, sync).
tests/app/test_app_shell.py checks the first screen against its budget. Run after building:
    python bench/app_size.py [--dist PATH]      (or: make bench)
"""

import argparse
import gzip
import re
import sys
from pathlib import Path

DIST = Path(__file__).resolve().parents[1] / "frontend" / "dist"
BUDGET_TOTAL = 150 * 1024
BUDGET_JS = 80 * 1024
# Lowered from the aim of 50 KiB once reached (bench/README.md, 2026-12-04); tests/app keeps it.
BUDGET_FIRST_SCREEN = 40 * 1024

# A static import in a built chunk: `import{a as b}from"./x.js"`, `import"./x.js"`, `export{...}from"./x.js"`.
# `import("./x.js")` (loaded later, on demand) has a parenthesis and does not match.
STATIC_IMPORT = re.compile(r'(?:\bfrom|\bimport)\s*"(\./[^"]+\.js)"')


def gzip_size(raw: bytes) -> int:
    """What a file costs on the wire: gzip at its best level, as a server compresses static files."""
    return len(gzip.compress(raw, compresslevel=9))


def first_load(dist: Path) -> set[str]:
    """The files a first visit transfers: the service worker, what it imports, and its precache list."""
    worker = (dist / "sw.js").read_text()
    imported = {path.name for path in dist.glob("workbox-*.js")}
    return {"sw.js", *imported, *re.findall(r'url:"([^"]+)"', worker)}


def first_screen(dist: Path) -> set[str]:
    """The JavaScript run before the first screen: index.html's module script, its preloads, their static imports."""
    page = (dist / "index.html").read_text()
    todo = [name.lstrip("/") for name in re.findall(r'(?:src|href)="(/assets/[^"]+\.js)"', page)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        folder = name.rsplit("/", 1)[0]
        todo += [f"{folder}/{target[2:]}" for target in STATIC_IMPORT.findall((dist / name).read_text())]
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=DIST, help="a built app (default: frontend/dist)")
    dist: Path = parser.parse_args().dist.resolve()
    if not (dist / "index.html").is_file():
        print("The app is not built: run 'make build' first.")
        return 1
    precached = first_load(dist)
    before_unlock = first_screen(dist)
    rows = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        rows.append((str(path.relative_to(dist)), len(raw), gzip_size(raw)))
    print(f"{'file':<48} {'bytes':>9} {'gzip':>9}")
    for name, raw_size, gz_size in rows:
        print(f"{name:<48} {raw_size:>9,} {gz_size:>9,}{'' if name in precached else '   on demand'}")
    first = [(name, gz) for name, _, gz in rows if name in precached]
    total = sum(gz for _, gz in first)
    js = sum(gz for name, gz in first if name.endswith(".js"))
    later = sum(gz for name, _, gz in rows if name not in precached)
    screen = sum(gz for name, _, gz in rows if name in before_unlock)
    print(f"\n{'app shell, gzip':<30} {total / 1024:>7.1f} KiB   budget {BUDGET_TOTAL / 1024:.0f} KiB")
    print(f"{'of which JavaScript, gzip':<30} {js / 1024:>7.1f} KiB   budget {BUDGET_JS / 1024:.0f} KiB")
    print(
        f"{'of which the first screen, gzip':<30} {screen / 1024:>7.1f} KiB"
        f"   budget {BUDGET_FIRST_SCREEN / 1024:.0f} KiB"
        f"   ({len(before_unlock)} files: JavaScript run before unlock)"
    )
    print(f"{'on demand, gzip':<30} {later / 1024:>7.1f} KiB   (not in the first load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
