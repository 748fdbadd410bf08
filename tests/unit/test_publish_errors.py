"""Client errors are answered quickly and without printing a traceback of the request."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.publish_fixtures import archive, ds

__all__ = ["archive", "ds"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/archive/articles/12345", 404),
        ("/archive/articles/12345.json", 404),
        ("/archive/no_such_table", 404),
        ("/archive/articles?_until=tomorrow", 400),
        ("/archive.json?sql=delete+from+articles", 400),
    ],
)
async def test_client_errors_print_no_traceback(
    ds: Any, capsys: pytest.CaptureFixture[str], path: str, status: int
) -> None:
    response = await ds.client.get(path)
    assert response.status_code == status
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    if path.endswith(".json") or ".json?" in path:
        assert response.json()["ok"] is False
    else:
        assert "<!DOCTYPE html>" in response.text
