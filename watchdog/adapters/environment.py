"""The environment, read once into Settings: tokens, service addresses, GitHub Actions context (shared by the CLI and
`endpoint_session()`). Nothing else in the package reads environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from watchdog.core.redact import too_short

DEFAULT_ENDPOINTS_API_URL = "https://api.endpoints.huggingface.cloud/v2"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
# Environment variables whose values are secrets: masked wherever they would appear in output.
SECRET_ENV_VARS = ("HF_TOKEN", "SLACK_WEBHOOK_URL", "GITHUB_TOKEN", "HUGGING_FACE_HUB_TOKEN")


def process_environment() -> dict[str, str]:
    """A copy of this process's environment: the one place the package reads `os.environ`."""
    return dict(os.environ)


def _text(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def _expand(path: str, env: Mapping[str, str]) -> str:
    """`~` and `$VAR` / `${VAR}` from the given environment (as huggingface_hub expands its paths)."""
    path = _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), path)
    if path.startswith("~"):
        home = _text(env, "HOME") or os.path.expanduser("~")
        path = home + path[1:]
    return path


def saved_token_path(env: Mapping[str, str]) -> Path:
    """Where `hf auth login` saved the token, by huggingface_hub's own rule: `HF_TOKEN_PATH`, else `$HF_HOME/token`,
    else `$XDG_CACHE_HOME/huggingface/token`, else `~/.cache/huggingface/token`."""
    explicit = _text(env, "HF_TOKEN_PATH")
    if explicit:
        return Path(_expand(explicit, env))
    home = _text(env, "HF_HOME")
    if home:
        return Path(_expand(home, env)) / "token"
    cache = _text(env, "XDG_CACHE_HOME") or "~/.cache"
    return Path(_expand(cache, env)) / "huggingface" / "token"


def read_saved_token(path: Path) -> str:
    """The saved token, cleaned as huggingface_hub cleans it (newlines dropped, spaces stripped); "" when absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    return text.replace("\r", "").replace("\n", "").strip()


@dataclass(frozen=True)
class Settings:
    """Everything the watchdog takes from its environment. Build it with `Settings.from_env(env)`."""

    hf_token: str = ""  # HF_TOKEN, else the token `hf auth login` saved
    hf_token_source: str = ""  # where it came from, for messages ("HF_TOKEN", "token file /home/.../token")
    hf_token_path: str = ""  # where a saved token is looked for (named when there is none)
    endpoints_api_url: str = DEFAULT_ENDPOINTS_API_URL
    hub_url: str | None = None  # HF_ENDPOINT: the Hub (whoami); None = huggingface_hub's default
    # huggingface_hub fetches `{HF_ENDPOINT}/api/agent-harnesses` for its user agent unless telemetry is off: a
    # cron job has no use for it, and against a fake server it is a stray request. Off unless the user set it.
    disable_hub_telemetry: bool = True
    slack_webhook_url: str = ""
    github_token: str = ""
    github_repository: str = ""
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_server_url: str = ""
    github_run_id: str = ""
    github_actions: bool = False  # running inside GitHub Actions (annotations on stdout)
    step_summary_path: str = ""
    debug: bool = False  # WATCHDOG_DEBUG: tracebacks for unexpected errors
    secrets: tuple[str, ...] = ()  # every secret value set, for the scrubber
    # Secret variables set to a value too short to be a real secret (a test, a mistake): not masked, warned about.
    short_secrets: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        telemetry = _text(env, "HF_HUB_DISABLE_TELEMETRY").lower()
        token_path = saved_token_path(env)
        token, source = _text(env, "HF_TOKEN"), "HF_TOKEN"
        if not token:
            token, source = _text(env, "HUGGING_FACE_HUB_TOKEN"), "HUGGING_FACE_HUB_TOKEN"
        if not token:
            token, source = read_saved_token(token_path), f"token file {token_path}"
        return cls(
            hf_token=token,
            hf_token_source=source if token else "",
            hf_token_path=str(token_path),
            endpoints_api_url=_text(env, "WATCHDOG_ENDPOINTS_API_URL") or DEFAULT_ENDPOINTS_API_URL,
            hub_url=_text(env, "HF_ENDPOINT") or None,
            disable_hub_telemetry=telemetry not in ("0", "false", "no", "off") if telemetry else True,
            slack_webhook_url=_text(env, "SLACK_WEBHOOK_URL"),
            github_token=_text(env, "GITHUB_TOKEN"),
            github_repository=_text(env, "GITHUB_REPOSITORY"),
            github_api_url=_text(env, "GITHUB_API_URL") or DEFAULT_GITHUB_API_URL,
            github_server_url=_text(env, "GITHUB_SERVER_URL"),
            github_run_id=_text(env, "GITHUB_RUN_ID"),
            github_actions=_text(env, "GITHUB_ACTIONS") == "true",
            step_summary_path=_text(env, "GITHUB_STEP_SUMMARY"),
            debug=bool(_text(env, "WATCHDOG_DEBUG")),
            secrets=tuple(v for v in (*(env.get(name) for name in SECRET_ENV_VARS), token) if v),
            short_secrets=tuple(name for name in SECRET_ENV_VARS if too_short(env.get(name))),
        )

    @property
    def run_url(self) -> str | None:
        """The workflow run's page, when running in GitHub Actions."""
        server, repo, run_id = self.github_server_url, self.github_repository, self.github_run_id
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}" if server and repo and run_id else None
