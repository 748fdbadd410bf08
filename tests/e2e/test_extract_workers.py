"""Extraction worker processes: started when the spider opens, with a collector tuned for extraction."""

from __future__ import annotations

import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from scrapy.utils.test import get_crawler

from crawler.item_pipelines.extract import ExtractPipeline
from pipelines.extract.worker import GC_THRESHOLD, init_worker


def _collector_settings() -> tuple[int, int]:
    return gc.get_threshold()[0], gc.get_freeze_count()


def test_workers_start_when_the_spider_opens_not_at_the_first_page() -> None:
    pipeline = ExtractPipeline.from_crawler(get_crawler(settings_dict={"ARCHIVE_EXTRACT_WORKERS": 1}))
    pipeline.open_spider()
    try:
        assert pipeline.warming is not None
        pipeline.warming.result(timeout=60)  # done with no page submitted: the worker is up
    finally:
        pipeline.close_spider()


def test_worker_collector_runs_less_often_and_skips_the_imports() -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=init_worker) as pool:
        threshold, frozen = pool.submit(_collector_settings).result(timeout=60)
    assert threshold == GC_THRESHOLD
    assert frozen > 10_000  # the imported modules' objects
