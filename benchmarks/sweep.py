"""Benchmark `watchdog check` against the bundled fake Endpoints API, next to a naive sequential script.

    .venv/bin/python benchmarks/sweep.py            # the issue's targets: 1,000 endpoints, 50 ms per request
    .venv/bin/python benchmarks/sweep.py --quick    # a small variant (what tests/test_benchmarks_quick.py runs)

What it does, in one process that hosts the fake API on 127.0.0.1 (traffic goes nowhere else):

1. `check`: runs `watchdog check` as a subprocess (the console script, a fresh policy file in a temp dir) and
   times it end to end (interpreter start-up included). The fake's handler class is swapped for a subclass
   that counts requests in flight, so the maximum concurrency the fake saw is measured, not assumed.
2. `baseline`: what a hand-written script does, also as a subprocess (this file with `--baseline-worker`):
   page through each namespace with plain sequential GETs (huggingface_hub's own session; its
   `list_inference_endpoints` does not follow cursors), `HfApi.get_inference_endpoint` for EVERY endpoint,
   then replica and open-metrics GETs for each billable one, one request after another.
3. `rss`: `watchdog check` against a larger fleet (latency 0) from a fresh wrapper process that reads its
   child's peak RSS with `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`.

It prints a table, the per-route request counts against the bound computed from the fleet, and exits 1 when
any target is missed (2 on a setup error). `--json PATH` also writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

TOKEN = "hf_benchmark_token_not_secret"
FORBIDDEN_CHILD_ENV = ("HF_", "HUGGING_FACE_", "GITHUB_", "SLACK_", "WATCHDOG_")
CHILD_TIMEOUT = 300.0  # seconds: every subprocess is bounded

# ---------------------------------------------------------------------------------------------------------------
# The naive baseline (runs in its own process: `sweep.py --baseline-worker URL NS...`)


def baseline_worker(root_url: str, namespaces: list[str]) -> int:
    """List then fetch every endpoint and its measurements, strictly one request after another."""
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    from huggingface_hub import HfApi, constants
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    api_url = f"{root_url}/v2"
    constants.INFERENCE_ENDPOINTS_ENDPOINT = api_url
    api = HfApi(endpoint=root_url, token=TOKEN)
    headers = build_hf_headers(token=TOKEN)
    session = get_session()
    billable_states = {"pending", "initializing", "updating", "running"}
    totals = {"endpoints": 0, "billable": 0, "replica_items": 0, "metrics_bytes": 0, "priced": 0}
    started = time.perf_counter()
    for namespace in namespaces:
        names: list[str] = []
        cursor = None
        for _ in range(100_000):  # bounded: a server repeating cursors must not loop forever
            response = session.get(f"{api_url}/endpoint/{namespace}", headers=headers,
                                   params={"cursor": cursor} if cursor else None)
            hf_raise_for_status(response)
            page = response.json()
            names.extend(item["name"] for item in page["items"])
            cursor = page.get("nextCursor")
            if not cursor:
                break
        prices = {hw.id: hw.price_per_hour for hw in api.list_inference_endpoints_hardware(namespace=namespace)}
        for name in names:
            endpoint = api.get_inference_endpoint(name, namespace=namespace)
            totals["endpoints"] += 1
            if endpoint.status not in billable_states:
                continue
            totals["billable"] += 1
            totals["priced"] += int(endpoint.raw.get("compute", {}).get("id") in prices)
            replicas = session.get(f"{api_url}/endpoint/{namespace}/{name}/replica", headers=headers)
            hf_raise_for_status(replicas)
            totals["replica_items"] += len(replicas.json().get("items", []))
            metrics = session.get(f"{api_url}/endpoint/{namespace}/{name}/open-metrics", headers=headers)
            if metrics.status_code != 403:  # plans without open metrics answer 403; a script shrugs
                hf_raise_for_status(metrics)
            totals["metrics_bytes"] += len(metrics.content)
    totals["inner_seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(totals))
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Instrumenting the fake without editing it: a handler subclass that counts requests in flight


class InFlight:
    """Thread-safe gauge of requests being handled by the fake, with its maximum."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = 0
        self.maximum = 0
        self.total = 0

    def enter(self) -> None:
        with self._lock:
            self.current += 1
            self.total += 1
            self.maximum = max(self.maximum, self.current)

    def leave(self) -> None:
        with self._lock:
            self.current -= 1

    def reset(self) -> None:
        with self._lock:
            self.current = self.maximum = self.total = 0


def instrument(api: Any) -> InFlight:
    """Swap the running fake's handler class for a subclass that counts requests in flight.

    A request is in flight from the moment its headers are parsed (before the fake's latency sleep) until
    just before its answer is written: the client cannot send its next request before reading that answer,
    so the gauge never counts one client slot twice.
    """
    from watchdog.fakes import endpoints_api

    gauge = InFlight()
    base = endpoints_api._Handler  # noqa: SLF001 - instrumenting, not editing, the fake

    class CountingHandler(base):  # type: ignore[misc, valid-type]
        def _dispatch(self, method: str) -> None:
            self._bench_open = True
            gauge.enter()
            try:
                super()._dispatch(method)
            finally:
                self._bench_close()

        def _send(self, *args: Any, **kwargs: Any) -> None:
            self._bench_close()
            super()._send(*args, **kwargs)

        def _bench_close(self) -> None:
            if getattr(self, "_bench_open", False):
                self._bench_open = False
                gauge.leave()

    httpd = api._httpd  # noqa: SLF001
    if httpd is None:
        raise RuntimeError("start the fake before instrumenting it")
    httpd.RequestHandlerClass = CountingHandler
    return gauge


# ---------------------------------------------------------------------------------------------------------------
# Fleet, policy, request bound


@dataclass
class FleetShape:
    namespaces: list[str]
    endpoints: int
    billable: int
    per_namespace: dict[str, int]
    billable_per_namespace: dict[str, int]
    page_size: int | None

    @property
    def list_pages(self) -> int:
        if self.page_size is None:
            return len(self.namespaces)
        return sum(max(1, math.ceil(n / self.page_size)) for n in self.per_namespace.values())


def fleet_shape(api: Any) -> FleetShape:
    """Read the served fleet back from the fake (its states, not the generator's intentions)."""
    from watchdog.core.model import BILLABLE_STATES

    per_ns: dict[str, int] = {}
    billable_ns: dict[str, int] = {}
    for ns in api.fleet.namespaces:
        per_ns[ns.name] = len(ns.endpoints)
        billable_ns[ns.name] = sum(1 for e in ns.endpoints if api.state_of(ns.name, e.name) in BILLABLE_STATES)
    return FleetShape(list(per_ns), sum(per_ns.values()), sum(billable_ns.values()), per_ns, billable_ns,
                      api.page_size)


def request_bound(shape: FleetShape, actions: int = 0) -> dict[str, int]:
    """The issue's bound: list pages + one hardware call per namespace + 2 per billable + one per action."""
    return {
        "list": shape.list_pages,
        "provider": len(shape.namespaces),
        "replica": shape.billable,
        "open-metrics": shape.billable,
        "actions": actions,
        "total": shape.list_pages + len(shape.namespaces) + 2 * shape.billable + actions,
    }


def write_policy(directory: Path, namespaces: list[str]) -> Path:
    path = directory / "policies.yaml"
    path.write_text(
        "version: 1\n"
        f"namespaces: [{', '.join(namespaces)}]\n"
        "timezone: UTC\n"
        "max_actions_per_run: 20\n"
        "defaults:\n"
        "  max_uptime: 12h\n"
        "  max_idle: 2h\n"
        "  action: pause\n"
        "  on_unknown_idle: notify\n",
        encoding="utf-8",
    )
    return path


def watchdog_command() -> list[str]:
    """The installed console script next to this interpreter (what the cron runs), else `python -m watchdog`."""
    script = Path(sys.executable).with_name("watchdog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "watchdog"]


def child_env(root_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(FORBIDDEN_CHILD_ENV)}
    env.update(HF_TOKEN=TOKEN, HF_ENDPOINT=root_url, WATCHDOG_ENDPOINTS_API_URL=f"{root_url}/v2",
               HF_HUB_DISABLE_TELEMETRY="1", HF_HOME=str(home / "hf-home"))
    return env


def check_argv(workdir: Path, policy: Path, concurrency: int | None, report: bool = False) -> list[str]:
    argv = [*watchdog_command(), "check", "--policies", str(policy), "--state", str(workdir / "state.json")]
    if report:
        argv += ["--report", str(workdir / "report.json")]
    if concurrency is not None:
        argv += ["--concurrency", str(concurrency)]
    return argv


def verify_report(path: Path, shape: FleetShape) -> list[str]:
    """The check must have seen the whole fleet; a fast run that skipped endpoints proves nothing."""
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if len(data.get("endpoints") or []) != shape.endpoints:
        problems.append(f"report lists {len(data.get('endpoints') or [])} endpoints, fleet has {shape.endpoints}")
    bad = [ns["name"] for ns in data.get("namespaces", []) if not ns.get("ok")]
    if bad:
        problems.append(f"namespaces failed: {', '.join(bad)}")
    billable = sum(1 for e in data.get("endpoints") or [] if e.get("state") in
                   {"pending", "initializing", "updating", "running"})
    if billable != shape.billable:
        problems.append(f"report has {billable} billable endpoints, fleet has {shape.billable}")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Phases


@dataclass
class Results:
    config: dict[str, Any]
    shape: dict[str, Any] = field(default_factory=dict)
    check_walls: list[float] = field(default_factory=list)
    check_report_wall: float | None = None
    check_requests: dict[str, int] = field(default_factory=dict)
    check_max_in_flight: int = 0
    baseline_wall: float | None = None
    baseline_requests: dict[str, int] = field(default_factory=dict)
    baseline_max_in_flight: int = 0
    baseline_detail: dict[str, Any] = field(default_factory=dict)
    bound: dict[str, int] = field(default_factory=dict)
    rss: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)

    def target(self, name: str, measured: str, limit: str, ok: bool) -> None:
        self.checks.append({"target": name, "measured": measured, "limit": limit, "ok": bool(ok)})


def run_child(argv: list[str], env: Mapping[str, str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    return time.perf_counter() - started, proc


def fail_setup(what: str, proc: subprocess.CompletedProcess) -> None:
    sys.stderr.write(f"sweep: {what} exited {proc.returncode}\n--- stderr ---\n{proc.stderr[-4000:]}\n")
    raise SystemExit(2)


def bench_speed(args: argparse.Namespace, res: Results, tmp: Path) -> None:
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI
    from watchdog.fakes.fleet import synthetic_fleet

    fleet = synthetic_fleet(namespaces=args.namespaces, endpoints=args.endpoints, billable=args.billable,
                            seed=args.seed)
    api = FakeEndpointsAPI(fleet, page_size=args.page_size, latency=args.latency)
    api.start()
    try:
        gauge = instrument(api)
        shape = fleet_shape(api)
        res.shape = {"namespaces": shape.namespaces, "endpoints": shape.endpoints, "billable": shape.billable,
                     "page_size": shape.page_size, "list_pages": shape.list_pages,
                     "billable_per_namespace": shape.billable_per_namespace}
        res.bound = request_bound(shape)  # `check` acts on nothing: zero actions
        env = child_env(api.base_url, tmp)
        policy = write_policy(tmp, shape.namespaces)

        # 1. watchdog check, `repeat` timed runs (plain `check`, text report to stdout), then one more with
        #    `--report` whose JSON proves the whole fleet was listed and measured. Requests are counted per run;
        #    the in-flight maximum covers every run.
        api.clear_requests()
        gauge.reset()
        per_run_counts: list[dict[str, int]] = []
        for i in range(args.repeat + 1):
            verify = i == args.repeat
            before = dict(api.request_counts())
            wall, proc = run_child(check_argv(tmp, policy, args.concurrency, report=verify), env, tmp)
            if proc.returncode != 0:
                fail_setup("watchdog check", proc)
            if str(shape.endpoints) not in proc.stdout:
                sys.stderr.write("sweep: the check output does not mention the fleet size:\n" + proc.stdout[:2000])
                raise SystemExit(2)
            after = dict(api.request_counts())
            per_run_counts.append({k: after.get(k, 0) - before.get(k, 0) for k in after})
            if verify:
                res.check_report_wall = wall
                problems = verify_report(tmp / "report.json", shape)
                if problems:
                    sys.stderr.write("sweep: the check report is incomplete: " + "; ".join(problems) + "\n")
                    raise SystemExit(2)
            else:
                res.check_walls.append(wall)
        res.check_requests = per_run_counts[0]
        res.check_max_in_flight = gauge.maximum
        if any(c != per_run_counts[0] for c in per_run_counts):
            res.target("same requests every run", json.dumps(per_run_counts), "identical", False)

        # 2. the naive sequential baseline, against the same server.
        api.clear_requests()
        gauge.reset()
        wall, proc = run_child([sys.executable, str(Path(__file__).resolve()), "--baseline-worker", api.base_url,
                                *shape.namespaces], env, tmp)
        if proc.returncode != 0:
            fail_setup("the baseline", proc)
        res.baseline_wall = wall
        res.baseline_detail = json.loads(proc.stdout.strip().splitlines()[-1])
        res.baseline_requests = dict(api.request_counts())
        res.baseline_max_in_flight = gauge.maximum
    finally:
        api.stop()


RSS_WRAPPER = r"""
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=%r)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": proc.returncode, "maxrss_kb": usage.ru_maxrss, "stderr": proc.stderr[-2000:]}))
""" % CHILD_TIMEOUT


def bench_rss(args: argparse.Namespace, res: Results, tmp: Path) -> None:
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI
    from watchdog.fakes.fleet import synthetic_fleet

    n = args.rss_endpoints
    fleet = synthetic_fleet(namespaces=args.namespaces, endpoints=n, billable=round(n * args.billable / args.endpoints),
                            seed=args.seed)
    api = FakeEndpointsAPI(fleet, page_size=args.page_size, latency=0.0)
    api.start()
    try:
        shape = fleet_shape(api)
        workdir = tmp / "rss"
        workdir.mkdir()
        policy = write_policy(workdir, shape.namespaces)
        argv = [sys.executable, "-c", RSS_WRAPPER, *check_argv(workdir, policy, args.concurrency, report=True)]
        wall, proc = run_child(argv, child_env(api.base_url, tmp), workdir)
        if proc.returncode != 0:
            fail_setup("the RSS wrapper", proc)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        if out["code"] != 0:
            sys.stderr.write(f"sweep: watchdog check (RSS run) exited {out['code']}\n{out['stderr']}\n")
            raise SystemExit(2)
        problems = verify_report(workdir / "report.json", shape)
        if problems:
            sys.stderr.write("sweep: the RSS run's report is incomplete: " + "; ".join(problems) + "\n")
            raise SystemExit(2)
        res.rss = {"endpoints": shape.endpoints, "billable": shape.billable, "wall_s": round(wall, 3),
                   "peak_rss_mb": round(out["maxrss_kb"] / 1024, 1), "requests": sum(api.request_counts().values())}
    finally:
        api.stop()


# ---------------------------------------------------------------------------------------------------------------
# Targets and output


def evaluate_targets(args: argparse.Namespace, res: Results, default_concurrency: int) -> None:
    check_wall = statistics.median(res.check_walls)
    worst = max(res.check_walls)
    ratio = (res.baseline_wall or 0) / check_wall
    res.target("check wall time (worst run)", f"{worst:.2f} s", f"<= {args.max_wall:g} s", worst <= args.max_wall)
    res.target("speed-up vs naive baseline", f"{ratio:.1f}x", f">= {args.min_ratio:g}x", ratio >= args.min_ratio)

    counts, bound = res.check_requests, res.bound
    total = sum(counts.values())
    res.target("requests (total)", str(total), f"<= {bound['total']} (bound)", total <= bound["total"])
    res.target("list requests", str(counts.get("list", 0)), f"== {bound['list']} pages",
               counts.get("list", 0) == bound["list"])
    res.target("hardware requests", str(counts.get("provider", 0)), f"<= {bound['provider']} (1/namespace)",
               counts.get("provider", 0) <= bound["provider"])
    for route in ("replica", "open-metrics"):
        res.target(f"{route} requests", str(counts.get(route, 0)), f"<= {bound[route]} (1/billable)",
                   counts.get(route, 0) <= bound[route])
    extra = {k: v for k, v in counts.items() if k not in {"list", "provider", "replica", "open-metrics"} and v}
    res.target("other requests (per-endpoint GET, whoami, actions)", json.dumps(extra) if extra else "0", "== 0",
               not extra)

    limit = args.concurrency if args.concurrency is not None else default_concurrency
    res.target("max requests in flight at the fake", str(res.check_max_in_flight), f"<= {limit} (concurrency)",
               res.check_max_in_flight <= limit)
    if res.rss:
        res.target(f"peak RSS at {res.rss['endpoints']} endpoints", f"{res.rss['peak_rss_mb']:.1f} MB",
                   f"<= {args.max_rss_mb:g} MB", res.rss["peak_rss_mb"] <= args.max_rss_mb)


def print_report(args: argparse.Namespace, res: Results, default_concurrency: int) -> None:
    s = res.shape
    conc = args.concurrency if args.concurrency is not None else f"{default_concurrency} (default)"
    print(f"fleet: {s['endpoints']} endpoints in {len(s['namespaces'])} namespaces ({', '.join(s['namespaces'])}), "
          f"{s['billable']} billable, list pages of {s['page_size']} ({s['list_pages']} pages); "
          f"fake latency {args.latency * 1000:g} ms/request; concurrency {conc}; {os.cpu_count()} CPUs")
    print(f"check command: {' '.join(Path(a).name if i == 0 else a for i, a in enumerate(check_argv(Path('TMP'), Path('TMP/policies.yaml'), args.concurrency)))}")
    print()
    check_wall = statistics.median(res.check_walls)
    rows = [
        ("", "watchdog check", "naive baseline"),
        ("wall time (s)", f"{check_wall:.2f}" + (f" (median of {len(res.check_walls)}: "
                                                  + ", ".join(f"{w:.2f}" for w in res.check_walls) + ")"
                                                  if len(res.check_walls) > 1 else ""),
         f"{res.baseline_wall:.2f}"),
        ("wall time with --report (s)", f"{res.check_report_wall:.2f}", ""),
        ("requests", str(sum(res.check_requests.values())), str(sum(res.baseline_requests.values()))),
    ]
    for route in ("list", "provider", "get", "replica", "open-metrics"):
        rows.append((f"  {route}", str(res.check_requests.get(route, 0)), str(res.baseline_requests.get(route, 0))))
    others = sorted((set(res.check_requests) | set(res.baseline_requests)) - {"list", "provider", "get", "replica",
                                                                              "open-metrics"})
    for route in others:
        rows.append((f"  {route}", str(res.check_requests.get(route, 0)), str(res.baseline_requests.get(route, 0))))
    rows.append(("max in flight at fake", str(res.check_max_in_flight), str(res.baseline_max_in_flight)))
    rows.append(("speed-up", f"{(res.baseline_wall or 0) / check_wall:.1f}x", "1.0x"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(r)))
    b = res.bound
    print(f"\nrequest bound: {b['list']} list pages + {b['provider']} hardware (1/namespace) + "
          f"2 x {res.shape['billable']} billable + {b['actions']} actions = {b['total']}; "
          f"check made {sum(res.check_requests.values())}"
          + (" (exactly the bound)" if sum(res.check_requests.values()) == b["total"] else ""))
    if res.rss:
        r = res.rss
        print(f"peak RSS: watchdog check over {r['endpoints']} endpoints ({r['billable']} billable, latency 0): "
              f"{r['peak_rss_mb']:.1f} MB, {r['wall_s']:.2f} s wall, {r['requests']} requests")
    print()
    width = max(len(c["target"]) for c in res.checks)
    mwidth = max(len(c["measured"]) for c in res.checks)
    for c in res.checks:
        print(f"{'PASS' if c['ok'] else 'FAIL'}  {c['target'].ljust(width)}  {c['measured'].rjust(mwidth)}  {c['limit']}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/sweep.py", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="small variant: 200 endpoints, 10 ms latency, ratio >= 3, RSS at 500 endpoints")
    p.add_argument("--endpoints", type=int, help="fleet size (default 1000; quick 200)")
    p.add_argument("--namespaces", type=int, default=4)
    p.add_argument("--billable", type=int, help="billable endpoints (default a quarter of the fleet)")
    p.add_argument("--page-size", type=int, default=20, help="the fake's list page size")
    p.add_argument("--latency", type=float, help="seconds the fake sleeps per request (default 0.05; quick 0.01)")
    p.add_argument("--concurrency", type=int, default=None,
                   help="pass --concurrency N to watchdog (default: not passed, the product default applies)")
    p.add_argument("--repeat", type=int, help="timed check runs (default 3; quick 1)")
    p.add_argument("--rss-endpoints", type=int, help="fleet size of the peak-RSS run (default 5000; quick 500; 0 skips)")
    p.add_argument("--max-wall", type=float, help="target: check wall seconds (default 4; quick 10)")
    p.add_argument("--min-ratio", type=float, help="target: baseline / check (default 15; quick 3)")
    p.add_argument("--max-rss-mb", type=float, default=150.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = p.parse_args(argv)
    quick = args.quick
    for name, full, small in (("endpoints", 1000, 200), ("latency", 0.05, 0.01), ("repeat", 3, 1),
                              ("rss_endpoints", 5000, 500), ("max_wall", 4.0, 10.0), ("min_ratio", 15.0, 3.0)):
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    if args.billable is None:
        args.billable = args.endpoints // 4
    if args.repeat < 1 or args.endpoints < 1:
        p.error("--repeat and --endpoints must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--baseline-worker"]:
        return baseline_worker(argv[1], argv[2:])
    args = parse_args(argv)
    from watchdog.adapters.hub import HubSettings

    default_concurrency = HubSettings.__dataclass_fields__["concurrency"].default
    res = Results(config={k: v for k, v in vars(args).items() if k != "json"})
    tmp = Path(tempfile.mkdtemp(prefix="watchdog-sweep-"))
    try:
        bench_speed(args, res, tmp)
        if args.rss_endpoints:
            bench_rss(args, res, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    evaluate_targets(args, res, default_concurrency)
    print_report(args, res, default_concurrency)
    if args.json:
        out = {**res.__dict__, "check_wall_median": statistics.median(res.check_walls),
               "ratio": (res.baseline_wall or 0) / statistics.median(res.check_walls),
               "default_concurrency": default_concurrency}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    missed = [c["target"] for c in res.checks if not c["ok"]]
    if missed:
        print(f"\n{len(missed)} target(s) missed: {'; '.join(missed)}")
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
