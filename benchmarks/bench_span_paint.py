"""Benchmark: key press → span painted in the span editor, in Chromium.

A span project holds sentences of exactly 200 tokens, cut from conll2003's
``eng.testa`` (read from ``../shared/datasets/conll2003``, never copied into the
repository; the item keeps its tokens, so the page gets those 200). Playwright
drives Debian's Chromium (``/usr/bin/chromium``) against ``activelabel serve``:

- **span**: a label key on the token under the cursor; measured until the
  frame in which the new highlight is in the DOM. Every token of the sentence
  gets its span in turn (→ between two labels), so the last presses draw a
  sentence of 200 highlights;
- **cursor**: → moves the token cursor; until the frame showing it moved;
- **baseline**: in the same run, a label key on a classification project of
  the same 200-token texts; until the frame showing the next item (what the
  page's own ``paintTimes`` measures).

Each time runs from the key's handler (a capture listener on ``window`` that
runs before the page's) to a ``requestAnimationFrame`` callback that finds the
change in the DOM: the frame that paints it. ``event_*`` columns count from the
key event's own timestamp instead (input dispatch included). A pause between
presses keeps each measure on its own frame, as a person's pace would.

Results: ``benchmarks/results/span_paint.json`` and a table on stdout.

Usage::

    python benchmarks/bench_span_paint.py               # 300 span presses
    python benchmarks/bench_span_paint.py --presses 200 --pause-ms 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from e2e_support import CHROMIUM, CHROMIUM_ARGS, Server, cli, label_keys  # noqa: E402

CONLL = ROOT.parent / "shared" / "datasets" / "conll2003" / "eng.testa"
RESULTS = ROOT / "benchmarks" / "results" / "span_paint.json"
TOKENS = 200
GOAL_P99_MS = 16.0

#: Installed once in the page: arm a measure, and the capture listener that
#: times the next key press until a frame finds `check` true.
INSTRUMENT = """
() => {
  const checks = {
    span: (before) => document.querySelectorAll('[data-testid="span"]').length > before,
    cursor: (before) => {
      const el = document.querySelector('[data-token][aria-current="true"]');
      return el !== null && el.dataset.token !== before;
    },
    item: (before) => {
      const el = document.querySelector('[data-testid="item-external-id"]');
      return el !== null && el.textContent.trim() !== before;
    },
  };
  const snapshot = {
    span: () => document.querySelectorAll('[data-testid="span"]').length,
    cursor: () => document.querySelector('[data-token][aria-current="true"]')?.dataset.token ?? null,
    item: () => document.querySelector('[data-testid="item-external-id"]')?.textContent.trim() ?? null,
  };
  window.__bench = { armed: null, done: false, times: [] };
  window.__benchArm = (kind) => {
    window.__bench.armed = { kind, before: snapshot[kind]() };
    window.__bench.done = false;
  };
  window.addEventListener('keydown', (event) => {
    const armed = window.__bench.armed;
    if (!armed) return;
    window.__bench.armed = null;
    const start = performance.now();
    let frames = 0;
    // When the change reaches the DOM: the page's own work, before any frame.
    let dom = null;
    const observer = new MutationObserver(() => {
      if (dom === null && checks[armed.kind](armed.before)) {
        dom = performance.now() - start;
        observer.disconnect();
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    const tick = () => {
      frames += 1;
      if (checks[armed.kind](armed.before)) {
        const now = performance.now();
        observer.disconnect();
        window.__bench.times.push({
          kind: armed.kind, ms: now - start, event_ms: now - event.timeStamp, frames,
          dom_ms: dom ?? now - start,
        });
        window.__bench.done = true;
      } else if (frames < 120) {
        requestAnimationFrame(tick);
      } else {
        observer.disconnect();
        window.__bench.times.push({ kind: armed.kind, ms: null, event_ms: null, frames, dom_ms: null });
        window.__bench.done = true;
      }
    };
    requestAnimationFrame(tick);
  }, true);
}
"""


def sentences(count: int) -> list[list[str]]:
    """Every run of exactly 200 tokens (eng.testa's sentences end to end); at least ``count``."""
    if not CONLL.is_file():
        raise SystemExit(
            f"{CONLL} is missing: this benchmark reads conll2003 from ../shared/datasets."
        )
    words: list[str] = []
    for line in CONLL.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] != "-DOCSTART-":
            words.append(parts[0])
    runs = [words[i : i + TOKENS] for i in range(0, len(words) - TOKENS, TOKENS)]
    if len(runs) < count:
        raise SystemExit(f"{CONLL} has only {len(runs)} runs of {TOKENS} tokens.")
    return runs


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def summary(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    mine = [r for r in rows if r["kind"] == kind]
    times = [r["ms"] for r in mine if r["ms"] is not None]
    events = [r["event_ms"] for r in mine if r["event_ms"] is not None]
    doms = [r["dom_ms"] for r in mine if r["dom_ms"] is not None]
    return {
        "presses": len(mine),
        "missed": len(mine) - len(times),
        "p50_ms": pct(times, 0.50),
        "p95_ms": pct(times, 0.95),
        "p99_ms": pct(times, 0.99),
        "max_ms": round(max(times), 2) if times else None,
        "dom_p50_ms": pct(doms, 0.50),
        "dom_p99_ms": pct(doms, 0.99),
        "event_p50_ms": pct(events, 0.50),
        "event_p99_ms": pct(events, 0.99),
        "within_16ms": sum(1 for t in times if t <= 16.0),
        "frames_p99": pct([float(r["frames"]) for r in mine], 0.99),
        # A press over 16 ms whose change was in the DOM within 4 ms waited for
        # the browser's next frame, not for the page's work.
        "over_16ms": sum(1 for t in times if t > 16.0),
        "over_16ms_in_dom_within_4ms": sum(
            1
            for r in mine
            if r["ms"] is not None and r["ms"] > 16.0 and r["dom_ms"] <= 4.0
        ),
        # Each press in order (ms to the frame, ms to the DOM): where the tail falls.
        "presses_ms": [
            [
                None if r["ms"] is None else round(r["ms"], 1),
                None if r["dom_ms"] is None else round(r["dom_ms"], 1),
            ]
            for r in mine
        ],
    }


def press(page: Any, key: str, kind: str | None, pause_s: float) -> None:
    """Press ``key``; with a ``kind``, time it and wait until the measure is in."""
    if kind is not None:
        page.evaluate("kind => window.__benchArm(kind)", kind)
    page.keyboard.press(key)
    if kind is not None:
        page.wait_for_function("() => window.__bench.done")
    time.sleep(pause_s)


def run(presses: int, pause_s: float, work: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    db = f"sqlite:///{work / 'bench.db'}"
    needed = presses // TOKENS + 2
    all_runs = sentences(needed)
    runs = all_runs
    spans_file = work / "spans.jsonl"
    spans_file.write_text(
        "".join(
            json.dumps({"id": f"s{i:03d}", "text": " ".join(r), "tokens": r}) + "\n"
            for i, r in enumerate(runs[:needed])
        ),
        encoding="utf-8",
    )
    docs_file = work / "docs.jsonl"
    docs_file.write_text(
        "".join(
            # eng.testa has 256 runs of 200 tokens: the baseline's items repeat them.
            json.dumps(
                {"id": f"d{i:04d}", "text": " ".join(all_runs[i % len(all_runs)])}
            )
            + "\n"
            for i in range(presses + 5)
        ),
        encoding="utf-8",
    )
    cli("init", "spans", "--task", "ner", "--labels", "PER,LOC,ORG,MISC", db=db)
    cli(
        "import",
        "spans",
        str(spans_file),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    cli("init", "docs", "--task", "classification", "--labels", "a,b", db=db)
    cli(
        "import",
        "docs",
        str(docs_file),
        "--text-column",
        "text",
        "--id-column",
        "id",
        db=db,
    )
    server = Server(db, ("spans", "docs"), log=work / "serve.log")
    rows: list[dict[str, Any]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.set_default_timeout(60_000)

                # The span editor.
                per = label_keys(server, "spans")["PER"]
                page.goto(f"{server.url}/#/p/spans")
                page.get_by_test_id("span-text").wait_for()
                tokens = page.locator('[data-testid="span-text"] [data-token]').count()
                if tokens != TOKENS:
                    raise SystemExit(f"The page shows {tokens} tokens, not {TOKENS}.")
                page.evaluate(INSTRUMENT)
                done = 0
                while done < presses:
                    for position in range(TOKENS):
                        if done >= presses:
                            break
                        press(page, per, "span", pause_s)
                        done += 1
                        if position < TOKENS - 1:
                            press(page, "ArrowRight", "cursor", pause_s)
                    if done < presses:
                        press(page, "Enter", "item", pause_s)
                span_rows = list(page.evaluate("() => window.__bench.times"))

                # The baseline: a classification label key shows the next item.
                a = label_keys(server, "docs")["a"]
                page.goto(f"{server.url}/#/p/docs")
                page.get_by_test_id("item-external-id").wait_for()
                page.evaluate(INSTRUMENT)
                for _ in range(presses):
                    press(page, a, "item", pause_s)
                baseline_rows = list(page.evaluate("() => window.__bench.times"))
                user_agent = page.evaluate("() => navigator.userAgent")
            finally:
                browser.close()
    finally:
        server.stop()
    rows = span_rows + [{**r, "kind": "baseline"} for r in baseline_rows]
    return {
        "span": summary(rows, "span"),
        "cursor": summary(rows, "cursor"),
        "next_sentence": summary(rows, "item"),
        "baseline_classification": summary(rows, "baseline"),
        "user_agent": user_agent,
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "| key press → painted | presses | p50 ms | p95 ms | p99 ms | max ms | ≤16 ms | event p99 ms | in DOM p50 / p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "span": "label key → span drawn (200-token sentence)",
        "cursor": "arrow key → token cursor moved",
        "next_sentence": "Enter → next 200-token sentence",
        "baseline_classification": "baseline: classification key → next item",
    }
    for key, name in names.items():
        r = result["figures"][key]
        lines.append(
            f"| {name} | {r['presses']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
            f"{r['max_ms']} | {r['within_16ms']}/{r['presses'] - r['missed']} | {r['event_p99_ms']} | "
            f"{r['dom_p50_ms']} / {r['dom_p99_ms']} |"
        )
    lines.append("")
    for key, name in names.items():
        r = result["figures"][key]
        if r["over_16ms"]:
            lines.append(
                f"{name}: {r['over_16ms']} press(es) over 16 ms, "
                f"{r['over_16ms_in_dom_within_4ms']} of them in the DOM within 4 ms "
                "(waiting for the browser's next frame)"
            )
    span, base = result["figures"]["span"], result["figures"]["baseline_classification"]
    if span["p99_ms"] and base["p99_ms"]:
        lines.append("")
        lines.append(
            f"span p99 / baseline p99 = {span['p99_ms'] / base['p99_ms']:.2f}; "
            f"goal p99 ≤ {GOAL_P99_MS:g} ms: {'met' if span['p99_ms'] <= GOAL_P99_MS else 'NOT met'}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--presses", type=int, default=300, help="Span label presses (≥ 200)."
    )
    parser.add_argument(
        "--pause-ms", type=float, default=50.0, help="Pause after each press."
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="Where the JSON goes."
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"Chromium is not installed at {CHROMIUM}.")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        figures = run(args.presses, args.pause_ms / 1000, Path(folder))
    # The machine's other work shows in the tails: the load is part of the result.
    load_after = os.getloadavg()
    result = {
        "benchmark": "span_paint",
        "tokens_per_sentence": TOKENS,
        "goal_p99_ms": GOAL_P99_MS,
        "pause_ms": args.pause_ms,
        "source": "conll2003 eng.testa (../shared/datasets/conll2003)",
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1min_before_after": [
                round(load_before[0], 2),
                round(load_after[0], 2),
            ],
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "figures": figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(table(result))
    print(
        f"load average (1 min) before / after: {load_before[0]:.1f} / {load_after[0]:.1f}"
    )
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
