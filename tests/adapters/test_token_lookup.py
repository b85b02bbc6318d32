"""The token a user already has: HF_TOKEN, else the one `hf auth login` saved (issue #10, item 8).

huggingface_hub's own order, read from the injected environment: `HF_TOKEN`, then the file at `HF_TOKEN_PATH`,
else `$HF_HOME/token`, else `$XDG_CACHE_HOME/huggingface/token`, else `~/.cache/huggingface/token`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.inprocess import run_watchdog
from watchdog.adapters.environment import Settings
from watchdog.core.redact import Redactor
from watchdog.fakes.clock import FakeClock
from watchdog.fakes.endpoints_api import FakeEndpointsAPI

FILE_TOKEN = "hf_SENTINEL_saved_by_login_9d8c7b"
NOW_ISO = "2026-11-23T02:17:00Z"
FLEET = {"user": "alice", "resume_delay": 0, "namespaces": {"alice": {"endpoints": [
    {"name": "demo", "instance": "aws-us-east-1-nvidia-t4-x1", "repository": "a/m", "state": "paused"}]}}}


def base_env(api, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {"HF_HUB_DISABLE_TELEMETRY": "1", "HOME": str(tmp_path / "home"), "HF_ENDPOINT": api.base_url,
           "WATCHDOG_ENDPOINTS_API_URL": api.api_url}
    env.update(extra)
    return env


def save(path: Path, text: str = FILE_TOKEN + "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("layout", ["HF_HOME", "HF_TOKEN_PATH", "XDG_CACHE_HOME", "HOME"])
def test_settings_find_the_saved_token_where_huggingface_hub_looks(tmp_path, layout):
    home = tmp_path / "home"
    env = {"HOME": str(home)}
    if layout == "HF_HOME":
        env["HF_HOME"] = str(tmp_path / "hf")
        save(tmp_path / "hf" / "token")
    elif layout == "HF_TOKEN_PATH":
        env["HF_TOKEN_PATH"] = "$HOME/secrets/hf-token"
        env["HF_HOME"] = str(tmp_path / "elsewhere")
        save(home / "secrets" / "hf-token")
    elif layout == "XDG_CACHE_HOME":
        env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
        save(tmp_path / "xdg" / "huggingface" / "token")
    else:
        save(home / ".cache" / "huggingface" / "token")
    settings = Settings.from_env(env)
    assert settings.hf_token == FILE_TOKEN
    assert "token file" in settings.hf_token_source and FILE_TOKEN not in settings.hf_token_source
    assert FILE_TOKEN in settings.secrets and Redactor(settings.secrets)(f"x {FILE_TOKEN} y") == "x *** y"


def test_hf_token_wins_over_the_saved_one_and_an_empty_file_is_no_token(tmp_path):
    save(tmp_path / "hf" / "token")
    env = {"HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf"), "HF_TOKEN": "hf_from_env_123456"}
    assert Settings.from_env(env).hf_token == "hf_from_env_123456"
    save(tmp_path / "hf" / "token", " \n")
    assert Settings.from_env({"HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf")}).hf_token == ""


def test_every_command_uses_the_saved_token_and_the_scrubber_masks_it(tmp_path):
    save(tmp_path / "hf" / "token")
    (tmp_path / "p.yaml").write_text("version: 1\nnamespaces: [alice]\n")
    with FakeEndpointsAPI.from_dict(FLEET, FakeClock(datetime(2026, 11, 23, tzinfo=UTC))) as api:
        env = base_env(api, tmp_path, HF_HOME=str(tmp_path / "hf"))
        common = ["--now", NOW_ISO, "--policies", str(tmp_path / "p.yaml"), "--state", str(tmp_path / "s.json")]
        outputs = []
        for args in (["check"], ["run", "--dry-run"], ["status", "demo"], ["resume", "demo"], ["pause", "demo"],
                     ["session", "demo", "--", "true"]):
            run = run_watchdog([*common, *args], env)
            assert run.code == 0, (args, run.stdout, run.stderr)
            outputs.append(run.stdout + run.stderr)
        assert api.state_of("alice", "demo") == "paused"
        # A message that would carry the token is masked: the policy path holds it here.
        leaky = run_watchdog(["check", "--policies", str(tmp_path / FILE_TOKEN / "p.yaml")], env)
        assert leaky.code == 2 and "***" in leaky.stderr
        outputs.append(leaky.stdout + leaky.stderr)
    assert all(FILE_TOKEN not in text for text in outputs)


def test_no_token_anywhere_names_both_ways_to_give_one(tmp_path):
    (tmp_path / "p.yaml").write_text("version: 1\nnamespaces: [alice]\n")
    env = {"HOME": str(tmp_path / "home"), "HF_HOME": str(tmp_path / "hf")}
    run = run_watchdog(["check", "--policies", str(tmp_path / "p.yaml")], env)
    assert run.code == 2
    assert "HF_TOKEN" in run.stderr and "hf auth login" in run.stderr and str(tmp_path / "hf" / "token") in run.stderr
