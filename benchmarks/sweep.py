"""Benchmark `watchdog check` against the bundled fake Endpoints API, next to a naive sequential script.

    .venv/bin/python benchmarks/sweep.py            # every case and target of issue #15 (about 2 minutes)
    .venv/bin/python benchmarks/sweep.py --quick    # a small in-process variant (tests/repo/test_benchmarks_quick.py)

Cases, each a fake served on 127.0.0.1 from this process (traffic goes nowhere else), with list pages of 20 unless
`limit` asks for more (the watchdog asks for 100):

- `no-metrics`: 1,000 endpoints in 4 namespaces, 250 billable, 50 ms per request, and open metrics refused (403)
  everywhere, as on most plans. The naive baseline runs against this fleet too.
- `no-metrics-404`: the same fleet, the open-metrics route answering 404 instead (one run: requests only).
- `enterprise`: the same fleet with open metrics on every endpoint (a Team or Enterprise plan).
- `10k`: 10,000 endpoints in 40 namespaces, 2,500 billable, no open metrics, at 0 ms per request: what the runner
  itself costs (CPU, memory) when the API answers at once.

Each timed `watchdog check --policies P --state S` runs as a subprocess (the installed console script, interpreter
start-up included; `--in-process` calls `watchdog.cli.main` instead), its own CPU time and peak RSS read with
`os.wait4`. One more run per case adds `--report` and its JSON must cover the whole fleet. Requests are counted
at the fake, per route and per run, against a bound computed from the fleet it serves; the fake's handler class
is swapped for a subclass that counts requests in flight. The baseline (`--baseline-worker`, also a subprocess)
pages through each namespace with plain GETs, calls `HfApi.get_inference_endpoint` for every endpoint, then
replica and open-metrics GETs for each billable one, one request after another.

It prints a table per case and one PASS/FAIL line per target, and exits 1 when a target is missed (2 on a setup
error). `--json PATH` also writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import io
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
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

TOKEN = "hf_benchmark_token_not_secret"
FORBIDDEN_CHILD_ENV = ("HF_", "HUGGING_FACE_", "GITHUB_", "SLACK_", "WATCHDOG_")
CHILD_TIMEOUT = 300.0  # seconds: every subprocess is bounded
SERVER_PAGE = 20  # the fake's page when no `limit` is sent: the documented default
KNOWN_ROUTES = ("list", "provider", "get", "replica", "open-metrics")

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
            if metrics.status_code not in (403, 404):  # plans without open metrics refuse them; a script shrugs
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

    def enter(self) -> None:
        with self._lock:
            self.current += 1
            self.maximum = max(self.maximum, self.current)

    def leave(self) -> None:
        with self._lock:
            self.current -= 1

    def reset(self) -> None:
        with self._lock:
            self.current = self.maximum = 0


def instrument(api: Any) -> InFlight:
    """Swap the running fake's handler class for a subclass that counts requests in flight.

    A request is in flight from the moment its headers are parsed (before the fake's latency sleep) until
    just before its answer is written: the client cannot send its next request before reading that answer,
    so the gauge never counts one client slot twice.
    """
    from watchdog.fakes import endpoints_api

    gauge = InFlight()
    base = endpoints_api._Handler

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

    httpd = api._httpd
    if httpd is None:
        raise RuntimeError("start the fake before instrumenting it")
    httpd.RequestHandlerClass = CountingHandler
    return gauge


# ---------------------------------------------------------------------------------------------------------------
# Cases, the served fleet and its request bound


@dataclass(frozen=True)
class Case:
    key: str
    namespaces: int
    endpoints: int
    billable: int
    latency: float  # seconds the fake sleeps before each answer
    open_metrics: bool  # every endpoint has them (a Team/Enterprise plan) or none has
    refusal: int = 403  # how the route refuses them: 403 (the fleet) or 404 (a persistent fault)
    repeat: int = 5  # timed runs; the wall-time target is on their median
    max_wall: float | None = None
    min_ratio: float | None = None  # needs the baseline
    max_rss_mb: float | None = None
    baseline: bool = False

    @property
    def plan(self) -> str:
        return ("open metrics on every endpoint" if self.open_metrics
                else f"open metrics refused ({self.refusal}) everywhere")


FULL = (
    Case("no-metrics", 4, 1000, 250, 0.05, False, max_wall=1.5, min_ratio=40.0, baseline=True),
    Case("no-metrics-404", 4, 1000, 250, 0.05, False, refusal=404, repeat=1),
    # No issue target here: a guard. Its floor is 516 requests x 50 ms / 16 in flight = 1.6 s, plus start-up.
    Case("enterprise", 4, 1000, 250, 0.05, True, max_wall=3.0),
    Case("10k", 40, 10_000, 2500, 0.0, False, repeat=2, max_wall=6.0, max_rss_mb=250.0),
)
QUICK = (
    Case("no-metrics", 4, 200, 50, 0.005, False, repeat=1, max_wall=5.0),
    Case("no-metrics-404", 4, 200, 50, 0.005, False, refusal=404, repeat=1),
    Case("enterprise", 4, 200, 50, 0.005, True, repeat=1, max_wall=5.0),
)


@dataclass
class Served:
    """The fleet as the fake serves it (its states, not the generator's intentions)."""

    namespaces: list[str]
    per_namespace: dict[str, int]
    billable: dict[str, int]
    running: dict[str, int]  # billable endpoints that are `running`: only they can decide a probe

    @property
    def endpoints(self) -> int:
        return sum(self.per_namespace.values())

    def pages(self, size: int) -> int:
        return sum(max(1, math.ceil(n / size)) for n in self.per_namespace.values())


def served(api: Any) -> Served:
    from watchdog.core.model import BILLABLE_STATES

    per_ns, billable, running = {}, {}, {}
    for ns in api.fleet.namespaces:
        states = [api.state_of(ns.name, e.name) for e in ns.endpoints]
        per_ns[ns.name] = len(states)
        billable[ns.name] = sum(1 for s in states if s in BILLABLE_STATES)
        running[ns.name] = sum(1 for s in states if s == "running")
    return Served(list(per_ns), per_ns, billable, running)


def request_bound(case: Case, fleet: Served, page_limit: int) -> dict[str, int]:
    """The issue's bound, route by route: pages + one price list per namespace with a billable endpoint + one
    replica call per billable endpoint + open metrics for each billable one (a Team/Enterprise plan) or one probe
    per namespace with a running billable endpoint (any other plan)."""
    billable = sum(fleet.billable.values())
    bound = {
        "list": fleet.pages(page_limit),
        "provider": sum(1 for n in fleet.billable.values() if n),
        "replica": billable,
        "open-metrics": billable if case.open_metrics else sum(1 for n in fleet.running.values() if n),
    }
    bound["total"] = sum(bound.values())
    return bound


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


def check_args(workdir: Path, policy: Path, concurrency: int | None, report: bool = False) -> list[str]:
    args = ["check", "--policies", str(policy), "--state", str(workdir / "state.json")]
    if report:
        args += ["--report", str(workdir / "report.json")]
    if concurrency is not None:
        args += ["--concurrency", str(concurrency)]
    return args


def verify_report(path: Path, fleet: Served) -> list[str]:
    """The check must have seen the whole fleet; a fast run that skipped endpoints proves nothing."""
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if len(data.get("endpoints") or []) != fleet.endpoints:
        problems.append(f"report lists {len(data.get('endpoints') or [])} endpoints, fleet has {fleet.endpoints}")
    bad = [ns["name"] for ns in data.get("namespaces", []) if not ns.get("ok")]
    if bad:
        problems.append(f"namespaces failed: {', '.join(bad)}")
    billable = sum(1 for e in data.get("endpoints") or [] if e.get("state") in
                   {"pending", "initializing", "updating", "running"})
    if billable != sum(fleet.billable.values()):
        problems.append(f"report has {billable} billable endpoints, fleet has {sum(fleet.billable.values())}")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# One run of the check


@dataclass
class RunFigures:
    wall: float
    cpu: float | None = None  # user + system seconds of the check process (subprocess runs)
    rss_mb: float | None = None  # its peak resident set
    first_answer: float = 0.0  # seconds from start to the fake's first and last answers
    last_answer: float = 0.0
    requests: dict[str, int] = field(default_factory=dict)
    list_queries: list[Mapping[str, str]] = field(default_factory=list)


def run_subprocess(argv: list[str], env: Mapping[str, str], cwd: Path) -> tuple[float, float, float, int, str]:
    """(wall, cpu, peak RSS MB, exit code, stderr) of one child, its own rusage read with os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=dict(env), cwd=cwd, stdout=out, stderr=err)
        deadline = time.monotonic() + CHILD_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"sweep: {' '.join(argv[:2])} timed out")
            time.sleep(0.002)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode,
                err.read().decode("utf-8", "replace"))


def run_in_process(args: list[str], env: Mapping[str, str]) -> tuple[float, int, str]:
    from watchdog.cli import main

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code = main(args, env=env, stdout=out, stderr=err)
    return time.perf_counter() - started, code, err.getvalue()


def one_check(api: Any, args: list[str], env: Mapping[str, str], cwd: Path, in_process: bool) -> RunFigures:
    api.clear_requests()
    started = time.monotonic()
    if in_process:
        wall, code, stderr = run_in_process(args, env)
        cpu = rss = None
    else:
        wall, cpu, rss, code, stderr = run_subprocess([*watchdog_command(), *args], env, cwd)
    if code != 0:
        sys.stderr.write(f"sweep: watchdog {' '.join(args[:1])} exited {code}\n{stderr[-4000:]}\n")
        raise SystemExit(2)
    log = api.request_log()
    figures = RunFigures(wall, cpu, rss, requests=dict(api.request_counts()),
                         list_queries=[dict(e.query) for e in log if e.route == "list"])
    if log:
        figures.first_answer = min(e.monotonic for e in log) - started
        figures.last_answer = max(e.monotonic for e in log) - started
    return figures


# ---------------------------------------------------------------------------------------------------------------
# Cases


@dataclass
class CaseResult:
    case: Case
    fleet: dict[str, Any] = field(default_factory=dict)
    bound: dict[str, int] = field(default_factory=dict)
    runs: list[RunFigures] = field(default_factory=list)
    report_run: RunFigures | None = None
    max_in_flight: int = 0
    baseline_wall: float | None = None
    baseline_requests: dict[str, int] = field(default_factory=dict)
    baseline_max_in_flight: int = 0

    @property
    def median_wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def median_run(self) -> RunFigures:
        return sorted(self.runs, key=lambda r: r.wall)[(len(self.runs) - 1) // 2]

    @property
    def peak_rss(self) -> float | None:
        values = [r.rss_mb for r in [*self.runs, self.report_run] if r is not None and r.rss_mb is not None]
        return max(values) if values else None


def run_case(case: Case, args: argparse.Namespace, tmp: Path) -> CaseResult:
    from watchdog.adapters.listing import PAGE_LIMIT
    from watchdog.fakes.endpoints_api import FakeEndpointsAPI, Fault, synthetic_fleet

    fleet = synthetic_fleet(namespaces=case.namespaces, endpoints=case.endpoints, billable=case.billable,
                            seed=args.seed, open_metrics=case.open_metrics)
    api = FakeEndpointsAPI(fleet, page_size=SERVER_PAGE, latency=case.latency)
    if not case.open_metrics and case.refusal == 404:
        api.add_fault(Fault(route="open-metrics", status=404, times=None, message="Not Found"))
    api.start()
    workdir = tmp / case.key
    workdir.mkdir()
    result = CaseResult(case)
    try:
        gauge = instrument(api)
        shape = served(api)
        result.fleet = {"namespaces": shape.namespaces, "endpoints": shape.endpoints,
                        "billable": sum(shape.billable.values()), "pages_of_20": shape.pages(SERVER_PAGE),
                        "pages_asked": shape.pages(PAGE_LIMIT), "page_limit": PAGE_LIMIT}
        result.bound = request_bound(case, shape, PAGE_LIMIT)
        env = child_env(api.base_url, workdir)
        policy = write_policy(workdir, shape.namespaces)
        gauge.reset()
        if args.quick:  # one run, timed and verified at once: the quick variant's times are only a guard
            result.report_run = one_check(api, check_args(workdir, policy, args.concurrency, report=True), env,
                                          workdir, args.in_process)
            result.runs.append(result.report_run)
        else:
            for _ in range(case.repeat):
                result.runs.append(one_check(api, check_args(workdir, policy, args.concurrency), env, workdir,
                                             args.in_process))
            # One more run with --report: its JSON must cover the whole fleet (and its peak RSS counts too).
            result.report_run = one_check(api, check_args(workdir, policy, args.concurrency, report=True), env,
                                          workdir, args.in_process)
        problems = verify_report(workdir / "report.json", shape)
        if problems:
            sys.stderr.write(f"sweep: the {case.key} report is incomplete: " + "; ".join(problems) + "\n")
            raise SystemExit(2)
        result.max_in_flight = gauge.maximum
        if case.baseline and not args.no_baseline:
            api.clear_requests()
            gauge.reset()
            wall, _, _, code, stderr = run_subprocess(
                [sys.executable, str(Path(__file__).resolve()), "--baseline-worker", api.base_url, *shape.namespaces],
                env, workdir)
            if code != 0:
                sys.stderr.write(f"sweep: the baseline exited {code}\n{stderr[-4000:]}\n")
                raise SystemExit(2)
            result.baseline_wall = wall
            result.baseline_requests = dict(api.request_counts())
            result.baseline_max_in_flight = gauge.maximum
    finally:
        api.stop()
    return result


# ---------------------------------------------------------------------------------------------------------------
# Targets and output


@dataclass
class Target:
    name: str
    measured: str
    limit: str
    ok: bool


def targets(res: CaseResult, concurrency: int, page_limit: int) -> list[Target]:
    case, bound, counts = res.case, res.bound, res.runs[0].requests
    key = case.key
    found: list[Target] = []

    def add(name: str, measured: Any, limit: str, ok: bool) -> None:
        found.append(Target(f"{key}: {name}", str(measured), limit, bool(ok)))

    if case.max_wall is not None:
        label = f"median of {len(res.runs)}" if len(res.runs) > 1 else "1 run"
        add(f"wall time ({label})", f"{res.median_wall:.2f} s", f"<= {case.max_wall:g} s",
            res.median_wall <= case.max_wall)
    if case.min_ratio is not None and res.baseline_wall is not None:
        ratio = res.baseline_wall / res.median_wall
        add("speed-up vs naive baseline", f"{ratio:.1f}x", f">= {case.min_ratio:g}x", ratio >= case.min_ratio)
        add("baseline requests in flight", res.baseline_max_in_flight, "== 1", res.baseline_max_in_flight == 1)
    if case.max_rss_mb is not None and res.peak_rss is not None:
        add("peak RSS (with --report too)", f"{res.peak_rss:.0f} MB", f"<= {case.max_rss_mb:g} MB",
            res.peak_rss <= case.max_rss_mb)
    total = sum(counts.values())
    how = "pages + price lists + 2 x billable" if case.open_metrics else "pages + price lists + billable + probes"
    add("requests (total)", total, f"<= {bound['total']} ({how})", total <= bound["total"])
    routes = ("list", "provider", "replica", "open-metrics")
    made = " / ".join(str(counts.get(route, 0)) for route in routes)
    per = "pages / price lists / replicas / " + ("open metrics" if case.open_metrics else "probes")
    add("requests by route", made, f"== {' / '.join(str(bound[r]) for r in routes)} ({per})",
        all(counts.get(route, 0) == bound[route] for route in routes))
    asked = all(q.get("limit") == str(page_limit) for r in res.runs for q in r.list_queries)
    add("every list request asks limit", "yes" if asked else "no", f"== {page_limit}", asked)
    extra = {k: v for k, v in counts.items() if k not in KNOWN_ROUTES or k == "get"}
    add("other requests (per-endpoint GET, whoami, actions)", json.dumps(extra) if extra else 0, "== 0", not extra)
    same = all(r.requests == counts for r in [*res.runs, *([res.report_run] if res.report_run else [])])
    add("same requests every run", "yes" if same else "no", "identical", same)
    add("max requests in flight at the fake", res.max_in_flight, f"<= {concurrency} (concurrency)",
        res.max_in_flight <= concurrency)
    return found


def print_case(res: CaseResult, concurrency_text: str) -> None:
    case, f = res.case, res.fleet
    print(f"case {case.key}: {f['endpoints']} endpoints in {len(f['namespaces'])} namespaces, "
          f"{f['billable']} billable, "
          f"{case.plan}; {f['pages_of_20']} pages of 20 (the default), {f['pages_asked']} of {f['page_limit']} as "
          f"asked; {case.latency * 1000:g} ms per request; concurrency {concurrency_text}")
    run = res.median_run
    walls = ", ".join(f"{r.wall:.2f}" for r in res.runs)
    rows = [("", "watchdog check", "naive baseline" if res.baseline_wall is not None else ""),
            ("wall time (s)",
             f"{res.median_wall:.2f}" + (f" (median of {len(res.runs)}: {walls})" if len(res.runs) > 1 else ""),
             f"{res.baseline_wall:.2f}" if res.baseline_wall is not None else "")]
    if run.cpu is not None:
        rows.append(("CPU time, median run (s)", f"{run.cpu:.2f}", ""))
        rows.append(("first / last answer (s)", f"{run.first_answer:.2f} / {run.last_answer:.2f}", ""))
    if res.peak_rss is not None:
        rows.append(("peak RSS (MB)", f"{max(r.rss_mb or 0 for r in res.runs):.0f} (with --report: "
                     f"{res.report_run.rss_mb if res.report_run else 0:.0f})", ""))
    counts = res.runs[0].requests
    rows.append(("requests", str(sum(counts.values())),
                 str(sum(res.baseline_requests.values())) if res.baseline_wall is not None else ""))
    for route in (*KNOWN_ROUTES, *sorted((set(counts) | set(res.baseline_requests)) - set(KNOWN_ROUTES))):
        rows.append((f"  {route}", str(counts.get(route, 0)),
                     str(res.baseline_requests.get(route, 0)) if res.baseline_wall is not None else ""))
    rows.append(("max in flight at fake", str(res.max_in_flight),
                 str(res.baseline_max_in_flight) if res.baseline_wall is not None else ""))
    if res.baseline_wall is not None:
        rows.append(("speed-up", f"{res.baseline_wall / res.median_wall:.1f}x", "1.0x"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  " + "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                               for i, cell in enumerate(r)).rstrip())
    b = res.bound
    metrics = (f"{b['open-metrics']} open metrics (1/billable)" if case.open_metrics
               else f"{b['open-metrics']} metrics probes (1/namespace)")
    made = sum(counts.values())
    print(f"  request bound: {b['list']} list pages + {b['provider']} price lists + {b['replica']} replicas + "
          f"{metrics} = {b['total']}; check made {made}" + (" (exactly the bound)" if made == b["total"] else ""))
    print()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="benchmarks/sweep.py", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="the small variant: 200 endpoints at 5 ms, in-process, one run per case, no baseline")
    p.add_argument("--case", action="append", help="run only this case (repeatable): "
                   + ", ".join(c.key for c in FULL))
    p.add_argument("--repeat", type=int, help="timed runs per case (default: the case's own, 5 or 2; quick 1)")
    p.add_argument("--concurrency", type=int, default=None,
                   help="pass --concurrency N to watchdog (default: not passed, the product default applies)")
    p.add_argument("--in-process", action="store_true", help="call watchdog.cli.main instead of a subprocess")
    p.add_argument("--no-baseline", action="store_true", help="skip the naive baseline (and its ratio target)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    args = p.parse_args(argv)
    if args.quick:
        args.in_process = True
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--baseline-worker"]:
        return baseline_worker(argv[1], argv[2:])
    args = parse_args(argv)
    from watchdog.adapters.hub import HubSettings
    from watchdog.adapters.listing import PAGE_LIMIT

    default_concurrency = HubSettings.__dataclass_fields__["concurrency"].default
    concurrency = args.concurrency if args.concurrency is not None else default_concurrency
    cases = [c for c in (QUICK if args.quick else FULL) if not args.case or c.key in args.case]
    if args.repeat is not None:
        cases = [replace(c, repeat=args.repeat) for c in cases]
    if not cases:
        sys.stderr.write("sweep: no such case\n")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="watchdog-sweep-"))
    results: list[CaseResult] = []
    started = time.perf_counter()
    try:
        for case in cases:
            results.append(run_case(case, args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    command = " ".join(["watchdog", *check_args(Path("TMP"), Path("TMP/policies.yaml"), args.concurrency)])
    mode = "in-process (watchdog.cli.main)" if args.in_process else "subprocess (the console script)"
    print(f"check command: {command}; {mode}; {os.cpu_count()} CPUs; "
          f"{time.perf_counter() - started:.0f} s in all\n")
    concurrency_text = str(args.concurrency) if args.concurrency is not None else f"{default_concurrency} (default)"
    checks: list[Target] = []
    for res in results:
        print_case(res, concurrency_text)
        checks += targets(res, concurrency, PAGE_LIMIT)
    width = max(len(c.name) for c in checks)
    mwidth = max(len(c.measured) for c in checks)
    for c in checks:
        print(f"{'PASS' if c.ok else 'FAIL'}  {c.name.ljust(width)}  {c.measured.rjust(mwidth)}  {c.limit}")
    if args.json:
        out = {"default_concurrency": default_concurrency, "page_limit": PAGE_LIMIT, "cases": [
            {**{k: v for k, v in asdict(r).items() if k != "case"}, "case": asdict(r.case),
             "median_wall": r.median_wall, "peak_rss_mb": r.peak_rss} for r in results],
            "checks": [asdict(c) for c in checks]}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    missed = [c.name for c in checks if not c.ok]
    if missed:
        print(f"\n{len(missed)} target(s) missed: {'; '.join(missed)}")
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
