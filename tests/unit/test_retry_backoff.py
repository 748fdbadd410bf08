"""Retries wait longer each time, so a struggling server gets room to recover."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.http import Request

from crawler.middlewares import RetryBackoffMiddleware


async def test_each_retry_waits_twice_as_long_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    middleware = RetryBackoffMiddleware(base=1.5, cap=5.0)
    for retries in range(5):
        await middleware.process_request(Request("https://news.example.cn/", meta={"retry_times": retries}))
    assert slept == [1.5, 3.0, 5.0, 5.0]  # the first request does not wait
