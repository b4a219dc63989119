"""The locks: every dependency pyproject.toml names is pinned, within its range, with hashes; both locks agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M)


def _lock(name: str) -> dict[str, tuple[str, set[str]]]:
    """Read a lock into {package: (version, hashes)}."""
    text = (ROOT / name).read_text()
    return {canonicalize_name(package): (version, set(re.findall(r"sha256:([0-9a-f]{64})", hashes)))
            for package, version, hashes in PIN.findall(text)}


APP = _lock("requirements.lock")
TEST = _lock("requirements-test.lock")


@pytest.mark.parametrize(("lock", "requirements"), [
    (APP, PROJECT["project"]["dependencies"] + PROJECT["build-system"]["requires"]),
    (TEST, PROJECT["project"]["dependencies"] + PROJECT["project"]["optional-dependencies"]["test"]
     + PROJECT["build-system"]["requires"]),
], ids=["requirements.lock", "requirements-test.lock"])
def test_lock_pins_each_dependency_within_its_range(lock, requirements):
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{name} is not in the lock: run make lock"
        assert requirement.specifier.contains(lock[name][0], prereleases=True), f"{name} {lock[name][0]}: make lock"


@pytest.mark.parametrize("lock", [APP, TEST], ids=["requirements.lock", "requirements-test.lock"])
def test_lock_every_pin_has_hashes(lock):
    assert lock and all(hashes for _, hashes in lock.values())


def test_lock_app_and_test_locks_pin_the_same_versions():
    assert {name: TEST.get(name) for name in APP} == APP
