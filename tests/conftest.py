"""Session fixtures shared by all tests: seeds, hypothesis profiles, the pinned node oracles."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, settings

from tests.oracles.node import ensure_node_modules

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--smt-full", action="store_true", help="run the full SMT sweep (docs/uniqueness.md)")


@pytest.fixture(scope="session")
def node_tools():
    """Installs the pinned snarkjs / circomlibjs / circom2 (``npm ci``) once per session; returns node_modules."""
    return ensure_node_modules()


@pytest.fixture
def rng() -> random.Random:
    """A seeded ``random.Random`` (same inputs every run)."""
    return random.Random(0x5EED)
