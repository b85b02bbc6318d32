"""The CLI's edges: argument errors, --now, validate output and annotations, and what --help/validate import."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from tests.paths import REPO
from watchdog.cli import EXIT_OK, EXIT_USAGE, UsageError, build_parser, main, parse_now

VALID = "version: 1\ndefaults:\n  max_uptime: 8h\n"
INVALID = "version: 1\ndefaults:\n  max_uptime: 8h\n  max_uptme: 2h\nendpoints:\n  - match: x\n    max_idle: soon\n"


def run(argv, env=None):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env or {}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_parse_now_accepts_z_and_offsets_and_rejects_garbage():
    assert parse_now("2026-11-23T02:17:00Z") == datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
    assert parse_now("2026-11-23T03:17:00+01:00") == datetime(2026, 11, 23, 2, 17, tzinfo=UTC)
    with pytest.raises(UsageError):
        parse_now("tomorrow")


def test_bad_now_and_unknown_command_exit_2():
    assert run(["check", "--now", "tomorrow"])[0] == EXIT_USAGE
    assert run(["frobnicate"])[0] == EXIT_USAGE


def test_global_options_work_before_and_after_the_command():
    before = build_parser().parse_args(["--now", "2026-01-01T00:00:00Z", "check"])
    after = build_parser().parse_args(["check", "--now", "2026-01-01T00:00:00Z"])
    assert before.now == after.now == "2026-01-01T00:00:00Z"


def test_validate_ok(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(VALID)
    code, out, _ = run(["validate", str(path)])
    assert code == EXIT_OK and "OK" in out


def test_validate_prints_every_error_with_line_and_annotations_in_actions(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(INVALID)
    code, out, err = run(["validate", str(path)], env={"GITHUB_ACTIONS": "true"})
    assert code == EXIT_USAGE
    assert f"{path}:4:3:" in err and "max_uptme" in err
    assert f"{path}:7:15:" in err or f"{path}:7:" in err
    assert out.count("::error file=") == 2 and "line=4" in out


def test_missing_policy_file_is_a_usage_error(tmp_path):
    code, _, err = run(["check", "--policies", str(tmp_path / "nope.yaml")], env={"HF_TOKEN": "hf_x_123456"})
    assert code == EXIT_USAGE and "not found" in err


@pytest.mark.parametrize("argv", [["--help"], ["validate", "policies.yaml"]])
def test_help_and_validate_never_import_the_network_stack(argv):
    code = (
        "import sys\n"
        "from watchdog.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('huggingface_hub', 'httpx', 'httpx2') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr


def test_secrets_in_unexpected_errors_are_masked(monkeypatch):
    import watchdog.cli.fleet_commands as fleet_commands

    def boom(ctx):
        raise RuntimeError("failed calling http://x/services/T/B/SENTINELhook with hf_SENTINEL_token_1")

    monkeypatch.setattr(fleet_commands, "cmd_fleet", boom)
    code, out, err = run(["check"], env={"HF_TOKEN": "hf_SENTINEL_token_1",
                                         "SLACK_WEBHOOK_URL": "http://x/services/T/B/SENTINELhook"})
    assert code == 1
    assert "SENTINEL" not in out + err and "***" in err


def test_without_now_the_cli_reads_the_real_clock_once(api, workdir):
    """freezegun stands in for the wall clock: the report's instant is the frozen one, to the second."""
    import json

    from freezegun import freeze_time

    from tests.e2e_support import cli_env, run_cli

    with freeze_time("2026-11-23T02:17:42.5Z"):
        result = run_cli(["check", "--format", "json", "--state", str(workdir / "s.json")], cli_env(api.base_url),
                         cwd=workdir)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["generated_at"] == "2026-11-23T02:17:42Z"


def test_a_short_secret_value_masks_nothing_and_is_warned_about_once():
    # A one-letter GITHUB_TOKEN used to turn every "g" of the output into "***" (issue 16).
    code, out, err = run(["validate", "--policies", "missing.yaml"], env={"GITHUB_TOKEN": "g", "HF_TOKEN": "ab"})
    assert code == EXIT_USAGE
    assert "***" not in out + err
    assert err.count("warning:") == 2
    assert ("watchdog: warning: GITHUB_TOKEN is set to a value shorter than 8 characters, which cannot be a real "
            "secret; it is not masked in output") in err


def test_secrets_of_eight_characters_or_more_are_masked():
    from watchdog.core.redact import Redactor

    redact = Redactor(["12345678", "1234567"])
    assert redact("a 12345678 b 1234567") == "a *** b 1234567"


def test_validate_honours_format_json_and_report(tmp_path):
    import json

    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ndefaults:\n  max_uptme: 8h\n")
    code, out, err = run(["validate", str(bad), "--format", "json", "--report", str(tmp_path / "r.json")])
    assert code == EXIT_USAGE and err == ""
    expected = {"file": str(bad), "ok": False, "rules": None, "issues": [
        {"file": str(bad), "line": 3, "column": 3, "message": "unknown key 'max_uptme' in defaults",
         "hint": "did you mean 'max_uptime'?"}]}
    assert json.loads(out) == expected
    assert json.loads((tmp_path / "r.json").read_text()) == expected
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    code, out, _ = run(["validate", str(good), "--format", "json"])
    assert code == EXIT_OK and json.loads(out) == {"file": str(good), "ok": True, "rules": 0, "issues": []}


@pytest.mark.parametrize(("argv", "message"), [
    (["validate", "--now", "2026-01-01T00:00:00Z"],
     "watchdog: error: --now has no effect on validate: validation does not depend on the time; nothing was done\n"),
    (["--state", "s.json", "pause", "x"],
     "watchdog: error: --state has no effect on pause: `watchdog pause` does not use it; nothing was done\n"),
    (["resume", "x", "--report", "r.json"],
     "watchdog: error: --report has no effect on resume: `watchdog resume` does not use it; nothing was done\n"),
    (["session", "x", "--deadline", "60", "--", "true"],
     "watchdog: error: --deadline has no effect on session: a command on one endpoint has no run deadline (a session "
     "must always pause at the end); each request is bounded by --request-timeout, a wait by --timeout; nothing was "
     "done\n"),
    (["--format", "markdown", "status"],
     "watchdog: error: --format markdown: status prints text or json; nothing was done\n"),
])
def test_a_global_option_a_command_does_not_use_is_refused_not_ignored(argv, message):
    code, out, err = run(argv, env={"HF_TOKEN": "hf_SENTINEL_token_1"})
    assert (code, out, err) == (EXIT_USAGE, "", message)


def test_each_command_help_lists_its_own_options_then_its_globals_then_examples():
    from watchdog.cli.parser import COMMAND_SPECS, GLOBAL_OPTIONS

    for name, spec in COMMAND_SPECS.items():
        text = build_parser()._subparsers._group_actions[0].choices[name].format_help()  # type: ignore[union-attr]
        own = text.index("options:\n")
        globals_at = text.index("global options (also accepted before the command):")
        examples = text.index("examples:\n")
        assert own < globals_at < examples, name
        listed = {o.flag for o in GLOBAL_OPTIONS if f"\n  {o.flag} " in text[globals_at:examples]}
        assert listed == {o.flag for o in GLOBAL_OPTIONS if o.dest in spec.options}, name
        assert text.rstrip().endswith(spec.examples[-1]), name
