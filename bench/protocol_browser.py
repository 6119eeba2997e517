"""Argon2id unlock time and record throughput: Python, Chromium, and Chromium at 4x CPU slowdown.

Builds frontend/bench (the TypeScript protocol code, nothing of the app), serves it through the
real server so the app's Content-Security-Policy applies, and drives Debian's Chromium.

    python -m bench.protocol_browser      (or: make bench)
"""

import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.protocol_python import record_rates, unlock_seconds
from support_circle.protocol import vault
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.server import ServerProcess

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
PARAMS = [
    vault.Argon2Parameters(65536, 3, 1),
    vault.Argon2Parameters(65536, 2, 1),
    vault.Argon2Parameters(32768, 3, 1),
    vault.Argon2Parameters(19456, 2, 1),
]
RUNS, RECORDS = 3, 300


def build(out: Path) -> None:
    subprocess.run(
        ["npx", "--no-install", "vite", "build", "--config", "bench/vite.config.ts", "--outDir", str(out)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
    )


def run_in_chromium(url: str) -> dict[int, dict[str, Any]]:
    options = {"params": [{"mKib": p.m_kib, "t": p.t, "p": p.p} for p in PARAMS], "runs": RUNS, "records": RECORDS}
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/index.html")
        page.wait_for_function("() => document.getElementById('status').textContent === 'ready'")
        cdp = page.context.new_cdp_session(page)
        for rate in (1, 4):
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            results[rate] = page.evaluate("(options) => window.runCryptoBench(options)", options)
        browser.close()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench-app"
        build(out)
        server = ServerProcess(data_dir=Path(tmp) / "data", static_dir=out)
        server.start()
        try:
            browser = run_in_chromium(server.url)
        finally:
            server.stop()

    print("Argon2id unlock, median ms (lower is faster; budget 500-1500 ms at 4x slowdown)")
    print(f"  {'parameters':<24} {'Python':>9} {'Chromium':>10} {'Chromium 4x':>12}")
    for i, params in enumerate(PARAMS):
        python_ms = statistics.median(unlock_seconds(params, RUNS)) * 1000
        normal = statistics.median(browser[1]["unlock"][i]["ms"])
        slowed = statistics.median(browser[4]["unlock"][i]["ms"])
        label = f"m={params.m_kib // 1024} MiB t={params.t} p={params.p}"
        print(f"  {label:<24} {python_ms:>9.0f} {normal:>10.0f} {slowed:>12.0f}")
    seal, opened = record_rates()
    print("1 KB records per second (sign + encrypt / decrypt + verify)")
    print(f"  {'':<24} {'Python':>9} {'Chromium':>10} {'Chromium 4x':>12}")
    print(
        f"  {'sealed':<24} {seal:>9.0f} {browser[1]['records']['seal']:>10.0f} {browser[4]['records']['seal']:>12.0f}"
    )
    print(
        f"  {'opened':<24} {opened:>9.0f} {browser[1]['records']['open']:>10.0f} {browser[4]['records']['open']:>12.0f}"
    )


if __name__ == "__main__":
    main()
