"""The local seed reader as a spider: ``scrapy crawl seeds -a path=seeds/``, as ``newsarchive ingest`` runs.

Files are fetched through Scrapy's ``file://`` handler so that seed documents take exactly the path crawled
pages take: the same item pipelines extract, deduplicate and store them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.url import file_uri_to_path

from crawler.support import report_failure
from crawler.warc_middleware import CAPTURE_META
from pipelines.documents import RawDocument
from pipelines.documents.seed_files import discover_seed_files, seed_document
from pipelines.errors import DocumentError


class SeedsSpider(scrapy.Spider):
    name = "seeds"
    run_kind = "ingest"
    # The user named these files as documents: one that yields no article has failed, not been skipped.
    every_input_is_an_article = True
    # Local files: no robots.txt, and no politeness delays (they are for other people's servers).
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012 (Scrapy declares it so)
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    }

    def __init__(
        self,
        path: str | None = None,
        paths: Iterable[str] | None = None,
        source: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # -a path=a:b on the command line (os.pathsep-separated); a list from the Python API.
        self.paths = list(paths or []) + (path.split(os.pathsep) if path else [])
        if not self.paths:
            raise ValueError("the seeds spider needs a path: scrapy crawl seeds -a path=seeds/")
        # -a source=KEY (ingest --source): the source of documents whose sidecar or front matter names none.
        self.default_source = source or None
        self.run_args = {"paths": self.paths, **({"source": source} if source else {})}

    async def start(self) -> AsyncIterator[Any]:
        files, errors = discover_seed_files(self.paths)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archive/inputs_total", len(files) + len(errors))
        for error in errors:
            # A named path that is not there is an input too, so the summary's counts add up.
            self.crawler.stats.inc_value("archive/inputs")
            report_failure(self.crawler, error.input, error.reason, stage="read")
        for seed in files:
            yield scrapy.Request(
                seed.path.as_uri(),
                callback=self.parse_document,
                errback=self.read_failed,
                cb_kwargs={"name": seed.name},
                dont_filter=True,
            )

    def parse_document(self, response: Response, name: str) -> Iterable[RawDocument]:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/inputs")
        path = Path(file_uri_to_path(response.url))
        try:
            document = seed_document(path, name, response.body, capture_id=response.meta.get(CAPTURE_META))
            if self.default_source and not document.source:
                document.source = self.default_source
            yield document
        except DocumentError as exc:
            report_failure(self.crawler, exc.input, exc.reason, stage="read")

    def read_failed(self, failure: Failure) -> None:
        name = failure.request.cb_kwargs.get("name", failure.request.url)  # type: ignore[attr-defined]
        reason = failure.getErrorMessage() or failure.type.__name__  # type: ignore[union-attr]
        report_failure(self.crawler, name, f"cannot read: {reason}", stage="read")
