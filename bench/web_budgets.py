"""Benchmark of the citizen app's budgets (issue 14, /work/shared/WEB.md) in the system's Chromium.

Run ``uv run python bench/web_budgets.py`` (``--quick`` for a smoke run: fewer loads and searches) after
``make web``. It starts the embedded platform (``motcua run`` on a free port, the app served at ``/``) and
drives Chromium (Debian ``chromium``, or ``$MOTCUA_CHROMIUM``) through Playwright to measure:

* **first-load JavaScript**: every script the home screen loads in a fresh, cache-less context, each body
  gzip-compressed (level 9, as a static server would serve it) and summed; budget ≤ 150 KB.
* **largest contentful paint** of the home screen under mobile emulation (390×844, touch, 3× pixels),
  ``Emulation.setCPUThrottlingRate`` 4 and a slow-4G profile (400 ms RTT, 400 kbit/s down and up) through
  ``Network.emulateNetworkConditions``, cache off, a fresh context (no service worker) each load; the median
  of ``--loads`` loads; budget ≤ 2.5 s.
* **search**: real queries typed without accents (60 ms between keys) into the home screen's search, no
  throttling; the time from the last key's ``keydown`` to the mutation that shows the final results list
  (the app's debounce counts); median and worst; budget ≤ 100 ms.

The machine's load average before and after goes in the summary: other processes skew every figure.
Results go to ``bench/results/web_budgets-<UTC>.json`` and ``bench/results/web_budgets.md``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from durability import sqlite_label, sqlite_settings
from playwright.sync_api import Browser, Response, sync_playwright

from motcua.infra.embedded import embedded_platform

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DIST = ROOT / "web" / "app" / "dist"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
BUDGET_JS_KB = 150.0
BUDGET_LCP_S = 2.5
BUDGET_SEARCH_MS = 100.0
SLOW_4G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
QUERIES = (
    "ly lich tu phap",
    "khai sinh",
    "giay phep xay dung",
    "ket hon",
    "thuong tru",
    "chung thuc ban sao",
    "dang ky ho kinh doanh",
    "tro cap xa hoi",
)
SEARCH_LABEL = "Bạn cần làm thủ tục gì?"

# Records the time of each `keydown` and of each change to the results list's text, in the page's clock.
WATCH_RESULTS = """() => {
  window.__keys = []; window.__changes = [];
  document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
  const shown = () => {
    const list = document.querySelector('[data-testid=results]');
    return list ? {query: list.dataset.query ?? null, text: list.textContent} : null;
  };
  let last = JSON.stringify(shown());
  new MutationObserver(() => {
    const now = shown();
    const key = JSON.stringify(now);
    if (key !== last) { last = key; window.__changes.push({t: performance.now(), ...now}); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""

# Keeps the latest largest-contentful-paint entry from the start of the navigation.
WATCH_LCP = """
window.__lcp = null;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__lcp = entry.startTime;
}).observe({type: 'largest-contentful-paint', buffered: true});
"""


def first_load_js(browser: Browser, base: str) -> dict[str, Any]:
    """The scripts a fresh visit to the home screen loads: raw and gzip bytes, each and in total."""
    context = browser.new_context(base_url=base, service_workers="block")
    scripts: list[Response] = []
    try:
        page = context.new_page()
        page.on("response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None)
        page.goto("/", wait_until="networkidle")
        files = []
        for response in scripts:
            body = response.body()
            files.append(
                {
                    "url": response.url.removeprefix(base),
                    "raw_bytes": len(body),
                    "gzip_bytes": len(gzip.compress(body, compresslevel=9)),
                    "content_encoding": response.headers.get("content-encoding", ""),
                }
            )
    finally:
        context.close()
    return {
        "files": files,
        "raw_bytes": sum(f["raw_bytes"] for f in files),
        "gzip_bytes": sum(f["gzip_bytes"] for f in files),
    }


def largest_paint(browser: Browser, base: str) -> float:
    """One cold load of the home screen on an emulated slow phone; LCP in seconds."""
    context = browser.new_context(
        base_url=base,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        service_workers="block",
    )
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.add_init_script(WATCH_LCP)
        page.goto("/", wait_until="load", timeout=120_000)
        page.get_by_test_id("results").wait_for(timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)
        page.wait_for_timeout(500)
        lcp = page.evaluate("() => window.__lcp")
    finally:
        context.close()
    if lcp is None:
        raise RuntimeError("no largest-contentful-paint entry")
    return float(lcp) / 1000


def search_latencies(browser: Browser, base: str, queries: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each query typed into the home screen; ms from its last keydown to the final results on screen."""
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, locale="vi-VN")
    found = []
    try:
        page = context.new_page()
        page.goto("/", wait_until="networkidle")
        page.get_by_test_id("results").wait_for()
        page.evaluate(WATCH_RESULTS)
        field = page.get_by_label(SEARCH_LABEL)
        for query in queries:
            field.fill("")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(400)
            page.evaluate("() => { window.__keys = []; window.__changes = []; }")
            field.press_sequentially(query, delay=60)
            page.wait_for_timeout(300)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(700)
            keys: list[float] = page.evaluate("() => window.__keys")
            changes: list[dict[str, Any]] = page.evaluate("() => window.__changes")
            # The results list names the query it answers: the first change after the last key that shows
            # this query's results is when the citizen sees them (identical lists for a prefix still count).
            last_key = keys[-1]
            shown = [c["t"] for c in changes if c["t"] >= last_key and c.get("query") == query.strip()]
            if not shown:
                raise RuntimeError(f"the results for {query!r} never changed after the last key")
            found.append({"query": query, "ms": round(shown[0] - last_key, 1), "keys": len(keys)})
    finally:
        context.close()
    return found


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def markdown(run: dict[str, Any]) -> str:
    """The summary table, each figure beside its budget."""
    js, lcp, search = run["js"], run["lcp_s"], run["search"]
    js_kb = js["gzip_bytes"] / 1024
    lcp_median = statistics.median(lcp)
    search_ms = [s["ms"] for s in search]
    search_median = statistics.median(search_ms)
    load = run["load_before"], run["load_after"]
    lines = [
        f"# Citizen app budgets — {run['started']}",
        "",
        f"{run['machine']}; {run['chromium']}; the embedded platform (`motcua run`), the app's build from "
        f"`make web`{' (quick run)' if run['quick'] else ''}. Load average (1/5/15 min) before "
        f"{'/'.join(f'{x:.2f}' for x in load[0])}, after {'/'.join(f'{x:.2f}' for x in load[1])}: "
        "other processes on the machine skew every figure, the paint and search ones most.",
        "",
        f"Storage: every service's SQLite file, {sqlite_label(run['storage'])}.",
        "",
        "| Figure | Measured | Budget | Result |",
        "|---|---|---|---|",
        f"| first-load JavaScript, home screen (gzip -9 of each script) | {js_kb:.1f} KB "
        f"({len(js['files'])} files, {js['raw_bytes'] / 1024:.1f} KB raw) | ≤ {BUDGET_JS_KB:.0f} KB | "
        f"{verdict(js_kb <= BUDGET_JS_KB)} |",
        f"| largest contentful paint, home, 390×844, CPU ×4, slow 4G (median of {len(lcp)}) | "
        f"{lcp_median:.2f} s (min {min(lcp):.2f}, max {max(lcp):.2f}) | ≤ {BUDGET_LCP_S} s | "
        f"{verdict(lcp_median <= BUDGET_LCP_S)} |",
        f"| search: last keystroke → final results shown (median of {len(search_ms)} queries) | "
        f"{search_median:.0f} ms (max {max(search_ms):.0f}) | ≤ {BUDGET_SEARCH_MS:.0f} ms | "
        f"{verdict(search_median <= BUDGET_SEARCH_MS)} |",
        "",
        "Scripts: " + ", ".join(f"`{f['url']}` {f['gzip_bytes'] / 1024:.1f} KB" for f in js["files"]) + ".",
        "",
        "Searches (ms from the last `keydown` to the mutation showing the final list; the app waits "
        f"{run['debounce_ms']} ms after the last key before it asks, which this figure includes): "
        + ", ".join(f"“{s['query']}” {s['ms']:.0f}" for s in search)
        + ".",
        "",
        f"Slow 4G: {SLOW_4G['latency']} ms RTT, "
        f"{SLOW_4G['downloadThroughput'] * 8 / 1000:.0f} kbit/s down and up; "
        "each paint load in a fresh context with the cache and the service worker off.",
    ]
    return "\n".join(lines) + "\n"


def app_debounce_ms() -> int | None:
    """The search debounce written in the home screen, for the summary (None when not found)."""
    source = (ROOT / "web" / "app" / "src" / "screens" / "Home.tsx").read_text(encoding="utf-8")
    match = re.search(r"\},\s*(\d+)\);\s*return \(\) => clearTimeout", source)
    return int(match.group(1)) if match else None


def main() -> None:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 paint loads, 4 searches")
    parser.add_argument("--loads", type=int, default=7, help="cold loads for the largest paint")
    args = parser.parse_args()
    if not (DIST / "index.html").is_file():
        sys.exit("build the app first: make web")
    if not Path(CHROMIUM).is_file():
        sys.exit(f"Chromium is needed at {CHROMIUM} (apt-get install chromium, or set MOTCUA_CHROMIUM)")
    loads = min(args.loads, 3) if args.quick else args.loads
    queries = QUERIES[:4] if args.quick else QUERIES
    run: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "quick": args.quick,
        "load_before": os.getloadavg(),
        "debounce_ms": app_debounce_ms(),
        "budgets": {"js_kb": BUDGET_JS_KB, "lcp_s": BUDGET_LCP_S, "search_ms": BUDGET_SEARCH_MS},
    }
    with (
        tempfile.TemporaryDirectory(prefix="motcua-web-bench-") as tmp,
        embedded_platform(Path(tmp), timeout=180) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            run["chromium"] = f"Chromium {browser.version}"
            print("first-load JavaScript …", flush=True)
            run["js"] = first_load_js(browser, base)
            print(f"largest paint, {loads} loads …", flush=True)
            run["lcp_s"] = [round(largest_paint(browser, base), 3) for _ in range(loads)]
            print(f"search, {len(queries)} queries …", flush=True)
            run["search"] = search_latencies(browser, base, queries)
        finally:
            browser.close()
        # catalog-svc's database (the search reads it), opened as the platform opens it.
        catalog_db = f"sqlite+aiosqlite:///{Path(tmp) / 'var' / 'catalog.db'}"
        run["storage"] = sqlite_settings(catalog_db)
    run["load_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = run["started"].replace(":", "").replace("-", "")
    (RESULTS / f"web_budgets-{stamp}.json").write_text(json.dumps(run, indent=2, ensure_ascii=False))
    table = markdown(run)
    (RESULTS / "web_budgets.md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
