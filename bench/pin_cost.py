#!/usr/bin/env python
"""What a PIN costs to try: PBKDF2-SHA-256 (WebCrypto) in real headless Chromium.

Run from the repository root::

    python bench/pin_cost.py                          # 100k .. 1M iterations, median of 5
    python bench/pin_cost.py --iterations 300000 600000 --runs 9

For each iteration count it times ``crypto.subtle.deriveKey`` from a 6-digit
PIN to an AES-KW key (what static/js/vault.js does on every unlock), median of
``--runs``, in the page's own clock, twice: as is, and with CDP
``Emulation.setCPUThrottlingRate`` at ``--throttle`` (4 is DevTools' usual
stand-in for a mid-range phone on a desktop CPU). No app server is needed: the
page is an empty one on http://127.0.0.1 (a secure context) that Playwright
answers itself. A last row times a plain JavaScript loop the same two ways.

Read the throttled column with care: the throttle slows the renderer's main
thread (the JS loop row shows it), but Chromium runs WebCrypto's PBKDF2 on a
thread of its own, which it hardly slows. So a mid-range phone is estimated
as 4 x the unthrottled figure; vault.js's PIN_ITERATIONS is chosen from that
(about half a second).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fixtures.chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402

ORIGIN = "http://127.0.0.1:9"

DERIVE = """async (iterations) => {
    const pin = await crypto.subtle.importKey('raw', new TextEncoder().encode('480317'), 'PBKDF2', false, ['deriveKey']);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const start = performance.now();
    await crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, pin,
                                  { name: 'AES-KW', length: 256 }, false, ['wrapKey', 'unwrapKey']);
    return performance.now() - start;
}"""


# Plain JavaScript on the page's main thread, for comparison: what the CPU throttle does slow down.
LOOP = """() => {
    const start = performance.now();
    let x = 0;
    for (let i = 0; i < 2e7; i++) x = (x * 31 + i) | 0;
    return performance.now() - start + (x & 0);
}"""


def measure(page, iterations: int, runs: int) -> float:
    page.evaluate(DERIVE, 1000)  # warm up
    return statistics.median(page.evaluate(DERIVE, iterations) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, nargs="+", default=[100_000, 200_000, 300_000, 600_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=4)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", lambda route: route.fulfill(
                status=200, content_type="text/html", body="<!doctype html><title>pin cost</title>"))
            page.goto(f"{ORIGIN}/")
            cdp = page.context.new_cdp_session(page)
            print(f"Chromium {browser.version}; PBKDF2-SHA-256 deriveKey, median of {args.runs} (ms)")
            print(f"{'iterations':>10}  {'as is':>8}  {f'x{args.throttle:g} CPU':>8}  {'per 100k':>8}")
            for iterations in args.iterations:
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
                plain = measure(page, iterations, args.runs)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
                slow = measure(page, iterations, args.runs)
                print(f"{iterations:>10}  {plain:>8.0f}  {slow:>8.0f}  {plain * 100_000 / iterations:>8.1f}")
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            loop = statistics.median(page.evaluate(LOOP) for _ in range(args.runs))
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
            slow_loop = statistics.median(page.evaluate(LOOP) for _ in range(args.runs))
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            print(f"{'JS loop':>10}  {loop:>8.0f}  {slow_loop:>8.0f}  (main-thread JavaScript, for comparison)")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
