"""Writes benches/RESULTS.md from the figures of one run of benches/run.sh.

Reads criterion's estimates (target/criterion/*/*/new/), the Python figures
(target/bench-results/python.json) and the command's (target/bench-results/
cmd.json), and prints Markdown: the machine, each figure, each ratio against
its peer measured in the same run, and the targets table with met/missed.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"
RESULTS = ROOT / "target" / "bench-results"


def criterion() -> dict[str, tuple[float, int | None]]:
    """full_id -> (median ns per iteration, elements per iteration or None).

    The median rather than the mean: on a shared virtual machine a few samples
    catch a pause of the host, which moves the mean by several per cent.
    """
    out: dict[str, tuple[float, int | None]] = {}
    for bench in CRITERION.glob("*/*/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        tp = meta.get("throughput") or {}
        out[meta["full_id"]] = (est["median"]["point_estimate"], tp.get("Elements"))
    return out


def per_element(c: dict[str, tuple[float, int | None]], key: str) -> float | None:
    if key not in c:
        return None
    ns, n = c[key]
    return ns / n if n else ns


def load(name: str) -> dict[str, Any]:
    p = RESULTS / name
    return json.loads(p.read_text()) if p.exists() else {}


def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def machine() -> list[str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return [
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} cores, {cpu}, {int(mem) // 1024 // 1024} GiB, {platform.platform()}",
        f"- {sh(['rustc', '--version'])}; Python {platform.python_version()}",
    ]


def fmt_rate(ns: float | None, unit: str) -> str:
    return "n/a" if ns is None else f"{1e9 / ns:,.0f} {unit}/s ({ns:,.1f} ns each)"


def main() -> None:
    c = criterion()
    py = load("python.json")
    cmd = load("cmd.json")
    rows: list[tuple[str, str, str, bool | None]] = []

    def target(name: str, value: str, goal: str, met: bool | None) -> None:
        rows.append((name, value, goal, met))

    lines = ["# Benchmark results", "", "Written by `bash benches/run.sh` (see benches/README.md).", ""]
    lines += machine() + ["", "## Native Rust (criterion, one core)", "", "| benchmark | figure |", "|---|---|"]
    for key in sorted(c):
        if key.startswith(("assess/", "apply/", "advance/", "state_json/")):
            lines.append(f"| `{key}` | {fmt_rate(per_element(c, key), 'items')} |")

    assess = per_element(c, "assess/assessor")
    target("native assess", fmt_rate(assess, "cards"), "≥ 20,000,000 cards/s", None if assess is None else 1e9 / assess >= 20e6)
    apply = per_element(c, "apply/events")
    target("native apply", fmt_rate(apply, "events"), "≥ 5,000,000 events/s", None if apply is None else 1e9 / apply >= 5e6)
    js = per_element(c, "apply/events_from_json")
    target("apply from JSON", fmt_rate(js, "events"), "≥ 1,000,000 events/s", None if js is None else 1e9 / js >= 1e6)
    month, years = per_element(c, "advance/1_month"), per_element(c, "advance/10_years")
    if month and years:
        target("advance 10 years vs 1 month", f"{years / month:.2f}×", "< 120×", years / month < 120)
    late = per_element(c, "late_window/late_window_50")
    in_order = per_element(c, "late_window/in_order_window_50")
    plain = per_element(c, "late_window/in_order_no_window")
    if late and in_order and plain:
        target(
            "R12 late event, window of 50 events",
            f"{late / in_order:.1f}× an in-order event on the same card ({late / plain:.1f}× one with no window)",
            "≤ 20× in-order",
            late / in_order <= 20,
        )

    lines += ["", "## C (criterion, same run)", "", "| benchmark | ns per card | ratio to native |", "|---|---|---|"]
    one_native = per_element(c, "assess one card/native Card::assess")
    one_c = per_element(c, "assess one card/C iotcard_card_assess")
    fleet_native = per_element(c, "assess fleet/native Assessor")
    fleet_native_call = per_element(c, "assess fleet/native Card::assess per card")
    for key, base in [
        ("assess one card/native Card::assess", one_native),
        ("assess one card/native Card::assess, instant from Unix ms", one_native),
        ("assess one card/C iotcard_card_assess", one_native),
        ("assess fleet/native Assessor", fleet_native),
        ("assess fleet/native Card::assess per card", fleet_native_call),
        ("assess fleet/C iotcard_card_assess per card", fleet_native_call),
        ("assess fleet/C iotcard_assess_batch", fleet_native),
    ]:
        v = per_element(c, key)
        if v is not None and base:
            lines.append(f"| `{key}` | {v:,.1f} | {v / base:.2f}× |")
    if one_c and one_native:
        target("C struct assess (one card)", f"{one_c / one_native:.2f}× native", "≤ 1.5× native", one_c / one_native <= 1.5)
    for key, label, base, what in [
        ("assess fleet/C iotcard_card_assess per card", "C struct assess (fleet, per card)", fleet_native_call, "native `Card::assess`"),
        ("assess fleet/C iotcard_assess_batch", "C batch assess (fleet)", fleet_native, "native `Assessor`"),
    ]:
        v = per_element(c, key)
        if v and base:
            target(label, f"{v / base:.2f}× {what}", "≤ 1.5× native", v / base <= 1.5)

    if py:
        ns, r = py["ns_per_card"], py["ratios"]
        lines += ["", "## Python (same cards and instant, same run)", "", "| measured | ns per card |", "|---|---|"]
        lines += [f"| `{k}` | {v:,.1f} |" for k, v in ns.items()]
        lines += ["", "| ratio | |", "|---|---|"] + [f"| `{k}` | {v:,.2f}× |" for k, v in r.items()]
        lines += ["", f"Agreement on these cards: peer {py['agreement']['peer']}, zen-engine {py['agreement']['zen']}."]
        over = py["per_call_overhead_ns"]
        target("Python per-card assess", f"{over:,.0f} ns over native", "≤ 1 µs over native", over <= 1000)
        b = r["assess_many_over_native_batch"]
        target("Python batch assess", f"{b:.2f}× native per card", "≤ 2× native", b <= 2)
        target("vs pure-Python peer", f"{r['peer_over_iotcard']:,.0f}× faster", "≥ 50× faster", r["peer_over_iotcard"] >= 50)
        target("vs zen-engine", f"{r['zen_over_iotcard']:,.0f}× faster per decision", "≥ 100× faster", r["zen_over_iotcard"] >= 100)

    if cmd:
        shapes = {
            "stored": "stored states + a week's events",
            "stored-w48": "stored states + a week's events, `late_window_hours` 48",
            "log": "whole logs since opening",
            "parquet": "stored states + a week's events, Parquet in and out",
            "reconcile-stored": "`iotcard reconcile`: stored states + a week's events, a OneLink report line a card",
        }
        lines += [
            "",
            "## The command: `iotcard assess`",
            "",
            "Two shapes of the same generated fleet: each card's state stored a week before",
            "the instant plus the week's events (how a billing system that runs daily holds",
            "its fleet; `iotcard generate --stored-until`), and each card's whole log since",
            "it was opened (up to three years); and the stored shape as Parquet (a states",
            "table and an events table, `iotcard generate --parquet`), assessed with",
            "`--output assessments.parquet`: the columnar daily run.",
            "",
            "| fleet | cards | lines | events | seconds | cards/s | peak RSS | file |",
            "|---|---|---|---|---|---|---|---|",
        ]
        order = {"stored": 0, "stored-w48": 1, "parquet": 2, "log": 3}
        for key, r in sorted(cmd.items(), key=lambda kv: (order.get(kv[0].rsplit("-", 1)[0], 3), int(kv[0].rsplit("-", 1)[1]))):
            kind, n = key.rsplit("-", 1)
            lines.append(
                f"| {shapes[kind]} | {int(n):,} | {r['lines']:,} | {r['events']:,} | {r['seconds']:.2f} | {r['cards_per_s']:,.0f} "
                f"| {r['peak_rss_kib'] / 1024:.1f} MiB | {r['bytes'] / 2**20:,.0f} MiB |"
            )
        for kind in ("stored", "stored-w48", "parquet", "log"):
            big = cmd.get(f"{kind}-1000000")
            small = cmd.get(f"{kind}-100000")
            if not big:
                continue
            label = f"`iotcard assess`, 1M cards, {shapes[kind]}"
            rate = f"{big['cards_per_s']:,.0f} cards/s ({big['events'] / big['lines']:.1f} events a line)"
            # The target is set for a billing run (stored states and the day's
            # events); whole logs are shown beside it, bound by replaying them.
            goals = {"stored": 500_000, "stored-w48": 1_000_000, "parquet": 5_000_000}
            goal = goals.get(kind)
            target(
                label,
                rate,
                f"≥ {goal:,} cards/s" if goal else "none (shown beside the billing run)",
                big["cards_per_s"] >= goal if goal else None,
            )
            flat = small is None or big["peak_rss_kib"] <= small["peak_rss_kib"] * 1.25
            target(
                f"`iotcard assess` peak RSS, {shapes[kind]}",
                f"{big['peak_rss_kib'] / 1024:.1f} MiB at 1M" + (f", {small['peak_rss_kib'] / 1024:.1f} MiB at 100k" if small else ""),
                "< 64 MiB, flat",
                big["peak_rss_kib"] < 64 * 1024 and flat,
            )

    if cmd and cmd.get("reconcile-stored-1000000") and cmd.get("stored-1000000"):
        rec, ass = cmd["reconcile-stored-1000000"], cmd["stored-1000000"]
        target(
            "`iotcard reconcile` vs `iotcard assess`, 1M stored cards",
            f"{rec['cards_per_s']:,.0f} vs {ass['cards_per_s']:,.0f} cards/s ({rec['cards_per_s'] / ass['cards_per_s']:.2f}×)",
            "as fast as assess (≥ 1×)",
            rec["cards_per_s"] >= ass["cards_per_s"],
        )

    lines += ["", "## Targets", "", "| workload | measured | target | |", "|---|---|---|---|"]
    for name, value, goal, met in rows:
        mark = "n/a" if met is None else ("met" if met else "**missed**")
        lines.append(f"| {name} | {value} | {goal} | {mark} |")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
