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


def test_reading_unchanged_seeds_again_archives_nothing_and_a_new_sidecar_is_a_revisit(
    tmp_path: Path,
) -> None:
    """A file archived before with the same bytes and sidecar keeps its capture (issue 14: a re-run of a
    killed ingest archived every file again; tests/e2e/test_hostile_ingest.py kills one). Same bytes with a
    changed sidecar: a revisit record for the file, the new sidecar beside it."""
    ingest_shipped_seeds(tmp_path)
    db = sqlite_utils.Database(tmp_path / "a.db")
    before = list(db.query("select id, warc_file, warc_offset from captures order by id"))
    again = newsarchive(tmp_path, "ingest", "seeds", "--db", "a.db", "--workers", "0")
    assert " 0 stored" in again.stdout
    assert list(db.query("select id, warc_file, warc_offset from captures order by id")) == before

    sidecar = tmp_path / "seeds" / "html" / "ifeng_qd_jiaozhouwan_bridge.html.json"
    sidecar.write_text(
        json.dumps(json.loads(sidecar.read_text(encoding="utf-8")), indent=4), encoding="utf-8"
    )
    third = newsarchive(tmp_path, "ingest", "seeds", "--db", "a.db", "--workers", "0")
    assert " 0 stored" in third.stdout
    new = list(db.query("select * from captures where id > ?", [before[-1]["id"]]))
    assert [(c["path"], c["warc_type"]) for c in new] == [
        ("seeds/html/ifeng_qd_jiaozhouwan_bridge.html", "revisit")
    ]
    folder = tmp_path / "archive" / "warc"
    record = read_record(folder, new[0]["warc_file"], new[0]["warc_offset"], new[0]["warc_length"])
    assert record.record_type == "revisit" and record.payload == b"" and new[0]["revisit_of"]
    assert warcio_check(sorted(folder.glob("*.warc.gz"))) == 0
