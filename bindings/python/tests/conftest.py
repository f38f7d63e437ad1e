"""Test configuration: Hypothesis profiles, and a check that the tests run against
the installed wheel rather than the source tree."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

import iotcard

# "ci" keeps the suite to seconds; IOTCARD_HYPOTHESIS_PROFILE=nightly digs deeper.
# (run-tests.sh points HYPOTHESIS_STORAGE_DIRECTORY under the workspace's target/.)
settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile(
    "nightly",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("IOTCARD_HYPOTHESIS_PROFILE", "ci"))

if os.environ.get("IOTCARD_REQUIRE_WHEEL") == "1":
    source = Path(__file__).resolve().parents[1] / "python"
    installed = Path(iotcard.__file__).resolve()
    assert source not in installed.parents, f"iotcard imported from the source tree: {installed}"
    assert "site-packages" in installed.parts, f"iotcard is not an installed wheel: {installed}"
