"""``newsarchive export-warc``: a source's or a date range's records, copied verbatim into new WARC files."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from bench.warc import newsarchive
from tests.support.warc import ingest_shipped_seeds, warcio_check


def exported(folder: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as handle:
            found += [
                (r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(handle)
            ]
    return found


def test_export_of_a_source_and_of_a_date_range(tmp_path: Path) -> None:
    ingest_shipped_seeds(tmp_path)
    between = datetime.now(UTC).isoformat()
    # Read again with one sidecar rewritten: that file's bytes are unchanged, so it is a revisit (unchanged
    # files with unchanged sidecars keep their captures and are not archived again).
    sidecar = tmp_path / "seeds" / "html" / "ifeng_qd_jiaozhouwan_bridge.html.json"
    sidecar.write_text(
        json.dumps(json.loads(sidecar.read_text(encoding="utf-8")), indent=4), encoding="utf-8"
    )
    newsarchive(tmp_path, "ingest", "seeds", "--db", "a.db", "--workers", "0")

    by_source = newsarchive(
        tmp_path, "export-warc", "--db", "a.db", "--source", "ifeng-qingdao", "--out", "ifeng"
    )
    assert by_source.returncode == 0, by_source.stderr
    records = exported(tmp_path / "ifeng")
    uris = {uri for kind, uri in records if kind != "warcinfo"}
    db = sqlite_utils.Database(tmp_path / "a.db")
    paths = {
        r["path"]
        for r in db.query(
            "select c.path from articles a join captures c on c.id = a.capture_id where a.source = 'ifeng-qingdao'"
        )
    }
    assert {u.removesuffix(".json").removeprefix("file:") for u in uris} == paths
    files = sorted((tmp_path / "ifeng").glob("*.warc.gz"))
    assert warcio_check(files) == 0
    index = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "index", *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert index.stdout.count('"warc-type": "resource"') == len([k for k, _ in records if k == "resource"])

    since = newsarchive(tmp_path, "export-warc", "--db", "a.db", "--since", between, "--out", "later")
    assert since.returncode == 0, since.stderr
    kinds = [kind for kind, _ in exported(tmp_path / "later")]
    revisits = db.execute("select count(*) from captures where run_id = 2").fetchone()[0]
    # The second reading's revisit, and the records it points at so the export stands alone.
    assert revisits >= 1 and kinds.count("revisit") == revisits and kinds.count("resource") >= revisits
    assert warcio_check(sorted((tmp_path / "later").glob("*.warc.gz"))) == 0

    nothing = newsarchive(tmp_path, "export-warc", "--db", "a.db", "--until", "2000-01-01", "--out", "none")
    assert "0 captures" in nothing.stdout


def test_a_missing_warc_file_is_reported_and_the_rest_exported(tmp_path: Path) -> None:
    ingest_shipped_seeds(tmp_path)
    folder = tmp_path / "archive" / "warc"
    (victim,) = sorted(folder.glob("*.warc.gz"))
    victim.rename(tmp_path / "elsewhere.warc.gz")
    result = newsarchive(tmp_path, "export-warc", "--db", "a.db", "--out", "out")
    assert result.returncode == 1 and "is missing" in result.stderr
    moved = newsarchive(tmp_path, "export-warc", "--db", "a.db", "--out", "out2", "--warc-dir", "nowhere")
    assert moved.returncode == 1
