"""Start-up benchmark: `watchdog --help` and `watchdog validate policies.yaml` must be quick and import no HTTP stack.

    .venv/bin/python benchmarks/startup.py           # 10 timed runs each; medians: --help <= 0.15 s, validate <= 0.2 s
    .venv/bin/python benchmarks/startup.py --quick   # 3 runs each, looser 1 s target (the unit-test variant)

Each command runs as a subprocess (the installed `watchdog` console script next to this interpreter, else
`python -m watchdog`) after one untimed warm-up; the wall time is measured around the subprocess. One more
run per command with `PYTHONPROFILEIMPORTTIME=1` lists every module imported, and the check fails if
`huggingface_hub`, `httpx` or `httpx2` (huggingface_hub 2.x's client) is among them. When a median is over
its target, the slowest imports on that path are printed, so the cause is visible.
Exit 0 when every target is met, 1 when one is missed, 2 on a setup error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FORBIDDEN = ("huggingface_hub", "httpx", "httpx2")
TIMEOUT = 60.0
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def watchdog_command() -> list[str]:
    script = Path(sys.executable).with_name("watchdog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "watchdog"]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGING_FACE_", "GITHUB_", "SLACK_", "WATCHDOG_", "PYTHONPROFILEIMPORTTIME"))}
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    return env


def run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    return time.perf_counter() - started, proc


def imports_of(argv: list[str], env: dict[str, str], cwd: Path) -> list[tuple[str, int]]:
    """Every module the command imports, with its cumulative import time in microseconds."""
    _, proc = run(argv, {**env, "PYTHONPROFILEIMPORTTIME": "1"}, cwd)
    found = []
    for line in proc.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            found.append((match.group(4), int(match.group(2))))
    return found


def forbidden_in(modules: list[str]) -> list[str]:
    return sorted({m for m in modules for top in FORBIDDEN if m == top or m.startswith(top + ".")})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/startup.py", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="3 runs each and a 1 s target (for the unit-test variant)")
    p.add_argument("--runs", type=int, help="timed runs per command (default 10; quick 3)")
    p.add_argument("--max-median", type=float,
                   help="target: median seconds for every command (default: --help 0.15, validate 0.2; quick 1.0)")
    p.add_argument("--policy", default=str(REPO / "policies.yaml"),
                   help="policy file to validate (default: the repo's)")
    p.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = p.parse_args(argv)
    runs = args.runs or (3 if args.quick else 10)
    if runs < 1:
        p.error("--runs must be at least 1")

    env = clean_env()
    base = watchdog_command()
    commands = {
        "watchdog --help": [*base, "--help"],
        f"watchdog validate {Path(args.policy).name}": [*base, "validate", args.policy],
    }
    # Issue #15's targets (medians), unless --max-median or --quick says otherwise.
    default_limits = dict(zip(commands, (0.15, 0.2), strict=True))
    limits = {label: args.max_median or (1.0 if args.quick else default_limits[label]) for label in commands}
    results = []
    with tempfile.TemporaryDirectory(prefix="watchdog-startup-") as tmp:
        cwd = Path(tmp)  # no policies.yaml or state lying around to change what the command does
        for label, cmd in commands.items():
            _, warm = run(cmd, env, cwd)  # warm-up: page cache and .pyc files, not timed
            if warm.returncode != 0:
                sys.stderr.write(f"startup: {label} exited {warm.returncode}\n{warm.stderr[-2000:]}\n")
                return 2
            walls = []
            for _ in range(runs):
                wall, proc = run(cmd, env, cwd)
                if proc.returncode != 0:
                    sys.stderr.write(f"startup: {label} exited {proc.returncode}\n{proc.stderr[-2000:]}\n")
                    return 2
                walls.append(wall)
            imported = imports_of(cmd, env, cwd)
            bad = forbidden_in([m for m, _ in imported])
            slowest = sorted(imported, key=lambda item: -item[1])[:8]
            results.append({"command": label, "walls": walls, "median": statistics.median(walls),
                            "min": min(walls), "max": max(walls), "modules": len(imported), "forbidden": bad,
                            "slowest_imports_us": slowest})

    print(f"executable: {' '.join(base)}   ({runs} timed runs per command after 1 warm-up; {os.cpu_count()} CPUs)")
    width = max(len(r["command"]) for r in results)
    print(f"{'command'.ljust(width)}  median    min     max     modules  huggingface_hub/httpx imported")
    for r in results:
        print(f"{r['command'].ljust(width)}  {r['median']:.3f}s  {r['min']:.3f}s  {r['max']:.3f}s  "
              f"{r['modules']:>7}  {', '.join(r['forbidden']) if r['forbidden'] else 'no'}")
    print()
    missed = []
    for r in results:
        limit = limits[r["command"]]
        ok_time = r["median"] <= limit
        ok_imports = not r["forbidden"]
        print(f"{'PASS' if ok_time else 'FAIL'}  {r['command']} median {r['median']:.3f} s  <= {limit:g} s")
        print(f"{'PASS' if ok_imports else 'FAIL'}  {r['command']} imports no {'/'.join(FORBIDDEN)}"
              + (f" (imported: {', '.join(r['forbidden'][:5])})" if r["forbidden"] else ""))
        if not ok_time:
            missed.append(f"{r['command']} median")
            print("      slowest imports (cumulative): " + ", ".join(f"{m} {us / 1000:.0f} ms"
                                                              for m, us in r["slowest_imports_us"]))
        if not ok_imports:
            missed.append(f"{r['command']} imports")
    if args.json:
        Path(args.json).write_text(json.dumps({"limits": limits, "runs": runs, "results": results}, indent=2) + "\n",
                                   encoding="utf-8")
    if missed:
        print(f"\n{len(missed)} target(s) missed: {'; '.join(missed)}")
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
