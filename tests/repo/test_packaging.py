"""Packaging: the metadata an install writes, with no deprecation noise from the build backend."""

from __future__ import annotations

import tomllib
from importlib.metadata import metadata

from tests.paths import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_license_is_an_spdx_expression_with_a_backend_that_understands_it() -> None:
    # A TOML-table license made setuptools print "`project.license` as a TOML table is deprecated" three times.
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]  # PEP 639 support landed in 77
    assert metadata("hf-endpoint-watchdog")["License-Expression"] == "Apache-2.0"
