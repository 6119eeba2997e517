"""Prints what the app shell costs on first load, gzip-compressed, against docs/architecture.md §9.

On the first visit the browser fetches the page and the service worker precaches every file its
precache list names (in frontend/dist/sw.js), with the worker itself: that is what a first load
transfers. The few files left out of that list (the passphrase estimator's lists) are fetched only
when a screen needs them, and are printed apart. Run after building:
    make bench
"""

import gzip
import re
import sys
from pathlib import Path

DIST = Path(__file__).resolve().parents[1] / "frontend" / "dist"
BUDGET_TOTAL = 150 * 1024
BUDGET_JS = 80 * 1024


def first_load() -> set[str]:
    """The files a first visit transfers: the service worker, what it imports, and its precache list."""
    worker = (DIST / "sw.js").read_text()
    imported = {path.name for path in DIST.glob("workbox-*.js")}
    return {"sw.js", *imported, *re.findall(r'url:"([^"]+)"', worker)}


def main() -> int:
    if not (DIST / "index.html").is_file():
        print("The app is not built: run 'make build' first.")
        return 1
    precached = first_load()
    rows = []
    for path in sorted(p for p in DIST.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        rows.append((str(path.relative_to(DIST)), len(raw), len(gzip.compress(raw, compresslevel=9))))
    print(f"{'file':<48} {'bytes':>9} {'gzip':>9}")
    for name, raw_size, gz_size in rows:
        print(f"{name:<48} {raw_size:>9,} {gz_size:>9,}{'' if name in precached else '   on demand'}")
    first = [(name, gz) for name, _, gz in rows if name in precached]
    total = sum(gz for _, gz in first)
    js = sum(gz for name, gz in first if name.endswith(".js"))
    later = sum(gz for name, _, gz in rows if name not in precached)
    print(f"\n{'app shell, gzip':<30} {total / 1024:>7.1f} KiB   budget {BUDGET_TOTAL / 1024:.0f} KiB")
    print(f"{'of which JavaScript, gzip':<30} {js / 1024:>7.1f} KiB   budget {BUDGET_JS / 1024:.0f} KiB")
    print(f"{'on demand, gzip':<30} {later / 1024:>7.1f} KiB   (not in the first load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
