"""Seed documents read by ``newsarchive ingest`` are archived as WARC resource records, with their sidecars."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from bench.warc import newsarchive
from pipelines.warc.reader import read_record
from tests.support.warc import ingest_shipped_seeds, warcio_check


def test_seed_files_become_resource_records_with_their_sidecars(tmp_path: Path) -> None:
    ingest_shipped_seeds(tmp_path)
    db = sqlite_utils.Database(tmp_path / "a.db")
    folder = tmp_path / "archive" / "warc"
    captures = {c["path"]: c for c in db.query("select * from captures")}
    seed_files = [
        p
        for p in (tmp_path / "seeds").rglob("*")
        if p.suffix in (".txt", ".md", ".html") and p.stem != "README"
    ]
    assert {f"seeds/{p.relative_to(tmp_path / 'seeds')}" for p in seed_files} == set(captures)

    for path in seed_files:
        name = str(path.relative_to(tmp_path))
        capture = captures[name]
        assert (capture["url"], capture["warc_type"]) == (f"file:{name}", "resource")
        record = read_record(folder, capture["warc_file"], capture["warc_offset"], capture["warc_length"])
        assert record.payload == path.read_bytes()
        assert record.target_uri == f"file:{name}"
        sidecar = path.with_name(path.name + ".json")
        if sidecar.exists():
            assert record.warc_headers["X-Newsarchive-Source-URL"] == json.loads(sidecar.read_text())["url"]
            assert capture["warc_group_length"] > capture["warc_length"]  # the sidecar follows it
    (article,) = db.query(
        "select capture_id from articles where url = 'http://qd.ifeng.com/a/20190514/6532214_0.shtml'"
    )
    assert captures["seeds/html/ifeng_qd_jiaozhouwan_bridge.html"]["id"] == article["capture_id"]

    files = sorted(folder.glob("*.warc.gz"))
    assert warcio_check(files) == 0
    sidecars = []
    for path in files:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_headers.get_header("WARC-Target-URI", "").endswith(".json"):
                    sidecars.append(record.rec_headers.get_header("WARC-Concurrent-To"))
    assert len(sidecars) == len(list((tmp_path / "seeds").rglob("*.json"))) and all(sidecars)


def test_reading_unchanged_seeds_again_writes_revisits(tmp_path: Path) -> None:
    ingest_shipped_seeds(tmp_path)
    again = newsarchive(tmp_path, "ingest", "seeds", "--db", "a.db", "--workers", "0")
    assert " 0 stored" in again.stdout
    db = sqlite_utils.Database(tmp_path / "a.db")
    second = list(db.query("select * from captures where run_id = 2"))
    assert second and all(c["warc_type"] == "revisit" and c["revisit_of"] for c in second)
    folder = tmp_path / "archive" / "warc"
    for capture in second:
        record = read_record(folder, capture["warc_file"], capture["warc_offset"], capture["warc_length"])
        assert record.record_type == "revisit" and record.payload == b""
    assert warcio_check(sorted(folder.glob("*.warc.gz"))) == 0
