"""`python -m watchdog.fakes.endpoints_api`: serve a fleet in the foreground until interrupted."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from watchdog.fakes.clock import FakeClock, parse_instant
from watchdog.fakes.endpoints_api.server import FakeEndpointsAPI
from watchdog.fakes.fleet import demo_fleet_path


def main(argv: list[str] | None = None) -> int:
    """`python -m watchdog.fakes.endpoints_api --fleet FILE`: serve in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m watchdog.fakes.endpoints_api",
                                     description="A loopback fake of the Inference Endpoints API")
    parser.add_argument("--fleet", default=str(demo_fleet_path()), help="fleet file (YAML or JSON); default: demo")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--page-size", type=int, default=None, help="server-side page size for the list route")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds of delay before every API answer")
    parser.add_argument("--now", default=None, help="start the fake clock at this ISO instant (default: now)")
    parser.add_argument("--frozen", action="store_true", help="do not let the fake clock follow real time")
    parser.add_argument("--shapes", default=None, metavar="JSON",
                        help='server-wide answer shapes, e.g. \'{"replicas": "replicas", "actions": "unparseable"}\'')
    args = parser.parse_args(argv)
    clock = FakeClock(parse_instant(args.now) if args.now else None, ticking=not args.frozen)
    api = FakeEndpointsAPI.from_fleet_file(args.fleet, clock, port=args.port, page_size=args.page_size,
                                           latency=args.latency,
                                           shapes=json.loads(args.shapes) if args.shapes else None)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with api:
        print(api.base_url, flush=True)
        print(f"fake Endpoints API for {api.fleet.endpoint_count} endpoints; Endpoints API base {api.api_url}; "
              "Ctrl-C to stop", file=sys.stderr, flush=True)
        try:
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0
