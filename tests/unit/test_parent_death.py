"""pipelines.parent_death: the kernel takes the request in-process (no ldconfig subprocess to find libc: the
in-process guard of tests/unit fails any subprocess)."""

from __future__ import annotations

import sys

import pytest

from pipelines.parent_death import signal_on_parent_death


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_the_kernel_takes_the_request_without_a_subprocess() -> None:
    # Signal 0 clears the setting, so this test process is left as it was.
    assert signal_on_parent_death(0) is True
