"""An independent stand-in for the Endpoints API on 127.0.0.1, written for the review: shapes and behaviour the
project did not choose (pause/resume do not move updatedAt, the replica route may be missing, pages of any size).
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def ep(name, state="running", instance="aws-us-east-1-nvidia-a10g-x1", created="2026-11-01T00:00:00Z",
       updated="2026-11-20T00:00:00Z", minr=1, maxr=1, timeout=None, tags=(), ready=1, target=1, **status):
    e = {"name": name, "type": "private", "healthRoute": "/health",
         "provider": {"vendor": "aws", "region": "us-east-1"},
         "compute": {"id": instance, "accelerator": "gpu",
                     "instanceType": instance.split("-", 3)[-1].rsplit("-", 1)[0], "instanceSize": "x1",
                     "scaling": {"minReplica": minr, "maxReplica": maxr, "scaleToZeroTimeout": timeout}},
         "model": {"repository": "org/model", "revision": None, "task": "text-generation", "framework": "pytorch"},
         "tags": list(tags),
         "status": {"state": state, "message": "", "url": "https://x.example", "readyReplica": ready,
                    "targetReplica": target, "createdAt": created, "updatedAt": updated, **status}}
    return e

PRICES = {"vendors": [{"name": "aws", "regions": [{"name": "us-east-1", "computes": [
    {"id": "aws-us-east-1-nvidia-a10g-x1", "pricePerHour": 1.0},
    {"id": "aws-us-east-1-nvidia-a100-x4", "pricePerHour": 10.0},
    {"id": "aws-us-east-1-nvidia-l4-x1", "pricePerHour": 0.8},
    {"id": "aws-us-east-1-nvidia-t4-x1", "pricePerHour": 0.5},
]}]}]}

class Stand:
    def __init__(self, namespaces, user="alice", orgs=()):
        self.ns = namespaces  # {ns: [endpoint dicts]}
        self.user = user
        self.orgs = list(orgs)
        self.replicas = {}   # key -> json-able answer or None (404)
        self.metrics = {}    # key -> text or None (403)
        self.list_hook = None  # fn(ns, cursor) -> (code, body)
        self.prices = PRICES
        self.log = []
        self.action_hook = None
        self.lock = threading.Lock()
    def find(self, ns, name):
        for e in self.ns.get(ns, []):
            if e["name"] == name:
                return e
    def start(self):
        stand = self
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def send(self, code, body, ctype="application/json"):
                data = (body if isinstance(body, (bytes,))
                        else (body if isinstance(body, str) else json.dumps(body)).encode())
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def do_GET(self): self.route("GET")
            def do_POST(self): self.route("POST")
            def do_PUT(self): self.route("PUT")
            def route(self, method):
                u = urlparse(self.path)
                q = parse_qs(u.query)
                parts = u.path.strip("/").split("/")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with stand.lock:
                    stand.log.append((method, self.path, body.decode(errors="replace"), dict(self.headers)))
                if u.path == "/api/whoami-v2":
                    return self.send(200, {"type": "user", "name": stand.user,
                                           "orgs": [{"name": o} for o in stand.orgs]})
                if parts[:2] == ["v2", "provider"]:
                    return self.send(200, stand.prices)
                if parts[:2] != ["v2", "endpoint"]:
                    return self.send(404, {"error": "not found"})
                ns = parts[2] if len(parts) > 2 else None
                if len(parts) == 3 and method == "GET":
                    if stand.list_hook:
                        code, b = stand.list_hook(ns, (q.get("cursor") or [None])[0])
                        return self.send(code, b)
                    if ns not in stand.ns:
                        return self.send(404, {"error": "namespace not found"})
                    return self.send(200, {"items": stand.ns[ns]})
                name = parts[3]
                e = stand.find(ns, name)
                if e is None:
                    return self.send(404, {"error": "Endpoint not found"})
                key = f"{ns}/{name}"
                if len(parts) == 4:
                    if method == "PUT":
                        upd = json.loads(body or b"{}")
                        sc = upd.get("compute", {}).get("scaling", {})
                        e["compute"]["scaling"].update(sc)
                        return self.send(200, e)
                    return self.send(200, e)
                sub = parts[4]
                if sub == "replica":
                    r = stand.replicas.get(key)
                    return self.send(404, {"error": "not found"}) if r is None else self.send(200, r)
                if sub == "open-metrics":
                    m = stand.metrics.get(key)
                    return self.send(403, {"error": "plan"}) if m is None else self.send(200, m, "text/plain")
                if method == "POST" and sub in ("pause", "resume", "scale-to-zero"):
                    if stand.action_hook:
                        res = stand.action_hook(sub, e)
                        if res:
                            return self.send(*res)
                    e["status"]["state"] = {"pause": "paused", "resume": "running",
                                            "scale-to-zero": "scaledToZero"}[sub]
                    return self.send(200, e)
                return self.send(404, {"error": "no route"})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()  # quick to stop
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        return self
    def actions(self):
        return [(m, p) for m, p, b, h in self.log if m in ("POST", "PUT")]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
