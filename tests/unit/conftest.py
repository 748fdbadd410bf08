"""Unit tests run in-process: each one's setup, call and teardown fail when they start a subprocess or open a
network socket (see tests/support/in_process.py). A test that needs either belongs in tests/e2e."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from tests.support.in_process import GUARD, InProcessGuard


def _guarded() -> Generator[None, object, object]:
    with GUARD.active():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded())


@pytest.fixture
def in_process_guard() -> InProcessGuard:
    """The guard itself, for the test that proves it fires."""
    return GUARD
