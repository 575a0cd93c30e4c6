"""``python -m benchmarks [--quick] [--only B1,B3] [--json FILE]``: every scenario in its own
process (its own JVM), our figures next to plain PyFlink's and the goals, as a table.
A quick run only proves every scenario works: its scenarios share one process (one JVM),
in the order ``QUICK_ORDER``. Benchmarks report; they never fail on a number (the exit
code is 0 when all ran)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from benchmarks.common import MARK, Figure

#: Scenario codes and the module measuring them (B4 and B6 share one live run).
MODULES = {"B1": "startup", "B2": "startup", "B3": "fetch", "B4": "live", "B5": "perjob",
           "B6": "live", "B7": "many", "B8": "memory", "B9": "long_session",
           "B10": "completion", "B11": "startup", "B12": "course"}

#: A quick run's modules, in one process, in this order: those that start no JVM in it
#: first (B1 measures fresh processes; B8 and B12 sum the memory of this process's children, so
#: no JVM of its own may be among them), then B9 (it gives the JVM it starts a temp
#: directory of its own, so it starts the process's JVM), B5 last (its per-job cluster's
#: JVMs are this process's children too, and B4 and B9 count the JVMs among those).
QUICK_ORDER = ("startup", "memory", "course", "long_session", "live", "fetch", "many",
               "completion", "perjob")


def run_modules(modules: list[str], quick: bool) -> list[Figure]:
    """Run ``modules`` one after the other in one fresh process; their figures, and a
    "did not finish" one for each that did not."""
    code = f"from benchmarks.common import run_each; run_each({modules!r}, {quick})"
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                          timeout=3600)
    found: dict[str, list[Figure]] = {}
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            module, figures = json.loads(line[len(MARK):])
            found[module] = [Figure(**f) for f in figures]
    return [figure for module in modules for figure in found.get(module, [Figure(
        module, f"{module} did not finish (exit {done.returncode})", None)])]


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("rows/s", "req/s") and value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def table(figures: list[Figure]) -> str:
    rows = [("", "figure", "ours", "plain PyFlink", "ratio", "goal", "met")]
    for f in figures:
        ratio = f"{f.ratio:,.1f}x" if f.ratio else "-"
        met = {True: "yes", False: "NO", None: "-"}[f.met]
        rows.append((f.scenario, f.figure + (f" ({f.note})" if f.note else ""),
                     f"{_number(f.ours, f.unit)} {f.unit}", f"{_number(f.baseline, f.unit)}",
                     ratio, f.goal, met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def machine() -> str:
    """CPUs, memory, CPU model, Java, Python and PyFlink versions: what RESULTS.md names."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info
                         if line.startswith("model name"))
        with open("/proc/meminfo") as info:
            memory = int(info.readline().split()[1]) / 2**20
    except (OSError, StopIteration, ValueError):
        memory = 0.0
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True,
                              timeout=30).stderr.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        java = "java: not found"
    try:
        from importlib.metadata import version

        flink = version("apache-flink")
    except Exception:
        flink = "?"
    return (f"{os.cpu_count()} CPUs ({model}), {memory:.0f} GB, {platform.system()} "
            f"{platform.machine()}, {java}, Python {platform.python_version()}, "
            f"apache-flink {flink}, load average {os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (what the tests use)")
    parser.add_argument("--only", help="comma-separated scenarios, e.g. B1,B3")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    wanted = [s.strip().upper() for s in args.only.split(",")] if args.only else list(MODULES)
    unknown = [s for s in wanted if s not in MODULES]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; known: {', '.join(MODULES)}")
    print(f"flink-notebook benchmarks ({'quick' if args.quick else 'full'}) on "
          f"{machine()}", flush=True)
    modules = list(dict.fromkeys(MODULES[s] for s in wanted))
    # Full: each module in a process of its own; quick: all of them in one.
    batches = ([sorted(modules, key=QUICK_ORDER.index)] if args.quick
               else [[m] for m in modules])
    figures: list[Figure] = []
    for batch in batches:
        began = time.monotonic()
        print(f"- {', '.join(batch)} ...", flush=True)
        found = run_modules(batch, args.quick)
        figures += [f for f in found if f.scenario in wanted or f.ours is None]
        print(f"  done in {time.monotonic() - began:.0f} s (load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)", flush=True)
    print()
    print(table(figures))
    if args.json:
        with open(args.json, "w") as out:
            json.dump([f.__dict__ for f in figures], out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
