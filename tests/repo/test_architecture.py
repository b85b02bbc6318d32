"""The layers hold: the core is pure, edges stay at the edge, the environment is read in one place, modules stay small.

Each check walks the source's AST (no import side effects), so a violation names the file and line. Each check is
also run against a deliberately bad snippet, so it is known to be able to fail.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from tests.paths import PACKAGE

CORE = PACKAGE / "core"
MAX_MODULE_LINES = 400

# What the pure core may never import: the edges of the package, and the libraries that talk to the world.
EDGE_PACKAGES = ("watchdog.adapters", "watchdog.operations", "watchdog.cli", "watchdog.fakes", "watchdog.demo")
NETWORK_LIBRARIES = ("httpx", "httpx2", "huggingface_hub", "urllib.request", "http.client", "socket", "requests")
# Calls that read the clock, the environment or a file; the core takes `now`, settings and text as arguments.
FORBIDDEN_CALLS = {
    "datetime.now", "datetime.utcnow", "datetime.today", "date.today", "time.time", "time.monotonic",
    "time.perf_counter", "time.sleep", "os.getenv", "os.getenvb", "open", "io.open", "os.open",
}
FORBIDDEN_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open"}  # pathlib file access
# JSON report fields (spec §6, public) that happen to share a word with a rule key: the endpoint's own
# `max_replicas`, its `owner`, a finding's `action`. They name report data, not the rule.
REPORT_MODULE = PACKAGE / "core" / "render" / "json_report.py"
REPORT_FIELDS = {"max_replicas", "owner", "action"}
LAYER_RULES = {
    # layer: packages it must not import (cli → operations → adapters → core, never upwards)
    "watchdog.adapters": ("watchdog.operations", "watchdog.cli"),
    "watchdog.operations": ("watchdog.cli",),
}


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


@functools.cache
def _string_constants(path: Path) -> frozenset[str]:
    """Every string literal in a module (parsed once for all the rule keys)."""
    return frozenset(n.value for n in ast.walk(ast.parse(path.read_text()))
                     if isinstance(n, ast.Constant) and isinstance(n.value, str))


def _module_name(path: Path) -> str:
    """Dotted name; a package's `__init__` keeps a trailing `.__init__` so relative imports resolve right."""
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _imports(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: level 1 is the module's own package
                base = module.split(".")[: -node.level]
                found.append((node.lineno, ".".join([*base, node.module or ""]).rstrip(".")))
            elif node.module:
                found.append((node.lineno, node.module))
    return found


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def purity_problems(source: str, module: str, where: str) -> list[str]:
    """Why a core module is not pure: imports of edges or network libraries, clock/env/file access."""
    tree = ast.parse(source)
    problems = [f"{where}:{line}: imports {name}" for line, name in _imports(tree, module)
                if _under(name, EDGE_PACKAGES) or _under(name, NETWORK_LIBRARIES)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func) or ""
            short = ".".join(name.split(".")[-2:])
            if name in FORBIDDEN_CALLS or short in FORBIDDEN_CALLS:
                problems.append(f"{where}:{node.lineno}: calls {name}()")
            elif isinstance(node.func, ast.Attribute) and node.func.attr in FORBIDDEN_METHODS:
                problems.append(f"{where}:{node.lineno}: calls .{node.func.attr}() (file access)")
        if isinstance(node, (ast.Attribute, ast.Name)) and _dotted(node) in ("os.environ", "environ"):
            problems.append(f"{where}:{node.lineno}: reads the environment ({_dotted(node)})")
    return problems


def env_readers(source: str, where: str) -> list[str]:
    tree = ast.parse(source)
    return [f"{where}:{node.lineno}" for node in ast.walk(tree)
            if (isinstance(node, ast.Attribute) and _dotted(node) == "os.environ")
            or (isinstance(node, ast.Call) and _dotted(node.func) in ("os.getenv", "os.getenvb"))]


# ------------------------------------------------------------------------------------------------------- checks

def test_core_modules_are_pure() -> None:
    problems = []
    for path in _modules(CORE):
        problems += purity_problems(path.read_text(), _module_name(path), str(path.relative_to(PACKAGE.parent)))
    assert problems == []


@pytest.mark.parametrize("snippet", [
    "from watchdog.adapters.hub import EndpointsHub",
    "import httpx2",
    "from huggingface_hub import HfApi",
    "import os\nx = os.environ['HF_TOKEN']",
    "from datetime import datetime\nnow = datetime.now()",
    "import time\nt = time.time()",
    "text = open('policies.yaml').read()",
    "from pathlib import Path\nPath('x').read_text()",
    "from ...adapters import state_file",
])
def test_the_purity_check_can_fail(snippet: str) -> None:
    assert purity_problems(snippet, "watchdog.core.policy.model", "bad.py")


def test_layers_only_import_downwards() -> None:
    problems = []
    for path in _modules(PACKAGE):
        module = _module_name(path)
        for layer, forbidden in LAYER_RULES.items():
            if _under(module, (layer,)):
                problems += [f"{path.relative_to(PACKAGE.parent)}:{line}: {layer} imports {name}"
                             for line, name in _imports(ast.parse(path.read_text()), module)
                             if _under(name, forbidden)]
    assert problems == []


def test_the_environment_is_read_in_one_module() -> None:
    readers = []
    for path in _modules(PACKAGE):
        if path.is_relative_to(PACKAGE / "fakes"):
            continue  # the bundled fake servers are separate programs with their own command lines
        readers += env_readers(path.read_text(), str(path.relative_to(PACKAGE.parent)))
    assert readers, "adapters/environment.py reads os.environ"
    assert all(r.startswith("watchdog/adapters/environment.py:") for r in readers), readers


def test_only_the_hub_adapter_imports_huggingface_hub() -> None:
    importers = []
    for path in _modules(PACKAGE):
        names = [name for _, name in _imports(ast.parse(path.read_text()), _module_name(path))]
        if any(_under(name, ("huggingface_hub", "httpx2")) for name in names):
            importers.append(str(path.relative_to(PACKAGE)))
    assert importers == ["adapters/hub.py"]


def test_every_rule_key_is_spelled_in_its_own_module_only() -> None:
    from watchdog.core.rules import REGISTRY

    # Each module parsed once: its string constants, then every key looked up in them.
    for setting in REGISTRY.settings:
        home = Path(__import__(type(setting).__module__, fromlist=["x"]).__file__ or "").resolve()
        spelled = []
        for path in _modules(PACKAGE):
            if path == REPORT_MODULE and setting.key in REPORT_FIELDS:
                continue
            if setting.key in _string_constants(path):
                spelled.append(path)
        assert spelled == [home], f"{setting.key!r} is spelled in {[str(p.relative_to(PACKAGE)) for p in spelled]}"


def test_modules_are_small_and_say_what_they_are() -> None:
    problems = []
    for path in _modules(PACKAGE):
        source = path.read_text()
        lines = source.count("\n")
        where = path.relative_to(PACKAGE.parent)
        if lines > MAX_MODULE_LINES:
            problems.append(f"{where}: {lines} lines > {MAX_MODULE_LINES}")
        if not ast.get_docstring(ast.parse(source)):
            problems.append(f"{where}: no module docstring")
    assert problems == []
