"""Story clusters: representatives, merges, and an LSH index that survives restarts."""

from __future__ import annotations

from pipelines.archive.store import save_article
from pipelines.dedup import near as nd
from pipelines.dedup.clusters import assign_cluster, ensure_clusters, representative

STORY = "\n".join(
    [
        "青岛港集团今天发布消息，今年前十个月集装箱吞吐量完成两千六百万标准箱，同比增长百分之八。",
        "前湾港区新开通三条外贸航线，通达东南亚和欧洲主要港口，航线总数达到二百三十条。",
        "自动化码头作业效率再创新高，单机平均效率达到每小时六十二自然箱，刷新世界纪录。",
        "港口方面表示，将持续优化口岸营商环境，服务山东外向型经济和区域协调发展。",
    ]
)


def store(db, make_record, url: str, text: str = STORY, **fields) -> int:
    article_id = save_article(db, make_record(text, url=url, **fields)).article_id
    assign_cluster(db, article_id)
    return article_id


def test_every_article_has_a_cluster_and_unmatched_ones_are_their_own(db, make_record) -> None:
    alone = store(db, make_record, "https://a.example.cn/1.html")
    assert db["articles"].get(alone)["cluster_id"] == alone
    cluster = db["story_clusters"].get(alone)
    assert (cluster["size"], cluster["representative_id"]) == (1, alone)


def test_representative_is_the_earliest_published(db, make_record) -> None:
    later = store(db, make_record, "https://a.example.cn/1.html", published="2024-03-02T09:00:00+08:00")
    earlier = store(
        db,
        make_record,
        "https://b.example.cn/2.html",
        STORY + "\n编者按：本文有删节。",
        published="2024-03-01T23:00:00+00:00",  # 3月2日 07:00 in Qingdao: earlier than 09:00
    )
    cluster = db["story_clusters"].get(db["articles"].get(later)["cluster_id"])
    assert cluster["size"] == 2
    assert cluster["representative_id"] == earlier


def test_representative_is_the_copy_the_others_name_as_original() -> None:
    members = [
        {"id": 1, "title": "港口吞吐量创新高_凤凰网", "published": "2024-03-01T08:00:00+08:00"},
        {
            "id": 2,
            "title": "青岛港前十月吞吐量增长8% - 青岛日报",
            "site_name": "青岛日报",
            "published": "2024-03-01T10:00:00+08:00",
        },
        {
            "id": 3,
            "title": "港口新闻",
            "original_title": "青岛港前十月吞吐量增长8%",
            "published": "2024-03-01T07:00:00+08:00",
        },
        {"id": 4, "title": "港口快讯", "source_outlet": "青岛日报", "published": "2024-03-01T07:30:00+08:00"},
    ]
    assert representative(members)["id"] == 2


def test_an_article_bridging_two_clusters_merges_them(db, make_record) -> None:
    paragraphs = STORY.split("\n")
    extra = [
        "据了解，青岛港今年还将推进董家口港区新建泊位工程，提升大宗散货中转能力和服务水平。",
        "业内人士认为，港口吞吐量持续增长，反映出外贸企业订单回暖和区域物流需求稳步提升。",
    ]
    head = store(db, make_record, "https://a.example.cn/1.html", "\n".join(paragraphs + extra[:1]))
    tail = store(db, make_record, "https://b.example.cn/1.html", "\n".join(extra * 2 + paragraphs[3:]))
    assert db["articles"].get(head)["cluster_id"] != db["articles"].get(tail)["cluster_id"]
    full = store(db, make_record, "https://c.example.cn/1.html", "\n".join(paragraphs + extra))
    clusters = {db["articles"].get(i)["cluster_id"] for i in (head, tail, full)}
    assert (
        len(clusters) == 1 or db["articles"].get(full)["cluster_id"] == db["articles"].get(head)["cluster_id"]
    )
    (only,) = {row["id"] for row in db["story_clusters"].rows_where("size > 1")}
    assert db["story_clusters"].get(only)["size"] == len(
        [1 for i in (head, tail, full) if db["articles"].get(i)["cluster_id"] == only]
    )


def test_lsh_lookup_reads_the_bucket_key_alone(db) -> None:
    nd.ensure_lsh_table(db)
    plan = db.execute(
        f"explain query plan select article_id from [{nd.LSH_TABLE}] where bucket = 1 limit 33"
    ).fetchall()
    # The (bucket, article_id) primary key of the WITHOUT ROWID table: no second seek per row.
    assert any("USING PRIMARY KEY (bucket=?)" in str(row[-1]) for row in plan), plan


def test_lsh_lookup_reads_a_bounded_sample_of_a_crowded_bucket(db, monkeypatch) -> None:
    monkeypatch.setattr(nd, "TOP_CANDIDATES", 1000)  # keep every candidate the lookup reads
    nd.ensure_lsh_table(db)
    for article_id in range(1, 501):  # 500 stories sharing one bucket (template text), nothing else
        nd.index_buckets(db, article_id, [7, *[article_id * 100 + band for band in range(1, nd.BANDS)]])
    copy_of_300 = [7, *[300 * 100 + band for band in range(1, 4)], *range(-1, -nd.BANDS + 3, -1)]
    rows_read: list[int] = []
    db.conn.set_trace_callback(lambda sql: rows_read.append(1))
    found = nd.lsh_candidates(db, copy_of_300)
    db.conn.set_trace_callback(None)
    assert len(rows_read) == 1  # one statement
    assert found[0] == 300  # the real match: four shared buckets
    # The rest: a sample of the crowded bucket (rows in article id order), not all 500 of it.
    assert found[1:] == list(range(1, nd.BUCKET_SAMPLE + 2))


def test_index_survives_a_restart_and_is_rebuilt_when_lost(tmp_path, make_record) -> None:
    from pipelines.archive.schema import open_archive

    path = str(tmp_path / "archive.db")
    db = open_archive(path)
    first = store(db, make_record, "https://a.example.cn/1.html")
    rows = db.execute(f"select count(*) from [{nd.LSH_TABLE}]").fetchone()[0]
    assert rows == nd.BANDS
    db.close()

    db = open_archive(path)  # a new process: the index is still there
    copy = store(db, make_record, "https://b.example.cn/1.html", STORY.replace("，", ","))
    assert db["articles"].get(copy)["cluster_id"] == first

    db.execute(f"delete from [{nd.LSH_TABLE}]")
    db.execute(f"delete from [{nd.STATE_TABLE}]")
    db.conn.commit()
    assert ensure_clusters(db) == 0  # nothing unclustered: only the derived index is rebuilt
    assert db.execute(f"select count(*) from [{nd.LSH_TABLE}]").fetchone()[0] == 2 * nd.BANDS
    third = store(db, make_record, "https://c.example.cn/1.html", STORY + "\n（完）")
    assert db["articles"].get(third)["cluster_id"] == first
    db.close()


def test_ensure_clusters_clusters_articles_stored_without_it(db, make_record) -> None:
    ids = [
        save_article(db, make_record(STORY, url=f"https://s{n}.example.cn/1.html")).article_id
        for n in range(2)
    ]
    save_article(db, make_record(STORY.replace("青岛港", "日照港"), url="https://s3.example.cn/x.html"))
    assert ensure_clusters(db) == 3
    assert db["articles"].get(ids[0])["cluster_id"] == db["articles"].get(ids[1])["cluster_id"]
    assert ensure_clusters(db) == 0


def test_an_index_of_the_earlier_layout_is_replaced_and_rebuilt(tmp_path, make_record) -> None:
    from pipelines.archive.schema import open_archive

    path = str(tmp_path / "archive.db")
    db = open_archive(path)
    first = store(db, make_record, "https://a.example.cn/1.html")
    # What an archive clustered by the first version holds: a rowid table, two indexes, the old signature.
    with db.conn:
        db.execute(f"drop table [{nd.LSH_TABLE}]")
        db.execute(
            f"create table [{nd.LSH_TABLE}] (id integer primary key, bucket integer not null, "
            "article_id integer not null)"
        )
        db.execute(f"create index idx_dedup_lsh_bucket on [{nd.LSH_TABLE}] (bucket)")
        db.execute(f"insert into [{nd.LSH_TABLE}] (bucket, article_id) values (1, {first})")
        nd.set_state(db, "index_signature", "minhash-affine32-crc32/42x3/c5/w4/v1")
    db.close()

    db = open_archive(path)  # ensure_db_shape leaves the derived table alone
    assert ensure_clusters(db) == 0
    sql = db.execute("select sql from sqlite_master where name = ?", [nd.LSH_TABLE]).fetchone()[0]
    assert "WITHOUT ROWID" in sql.upper()
    assert db.execute(f"select count(*) from [{nd.LSH_TABLE}]").fetchone()[0] == nd.BANDS
    assert nd.get_state(db, "index_signature") == nd.INDEX_SIGNATURE
    copy = store(db, make_record, "https://b.example.cn/1.html", STORY.replace("，", ","))
    assert db["articles"].get(copy)["cluster_id"] == first
    db.close()


def test_clustering_several_articles_is_one_transaction(db, make_record) -> None:
    from pipelines.dedup.clusters import assign_clusters

    ids = [
        save_article(db, make_record(text, url=f"https://s{n}.example.cn/1.html")).article_id
        for n, text in enumerate([STORY, STORY.replace("，", ","), STORY + "\n（完）"])
    ]
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    results = assign_clusters(db, [(i, None) for i in ids])
    db.conn.set_trace_callback(None)
    assert statements.count("COMMIT") == 1
    assert [r.cluster_id for r in results] == [ids[0]] * 3  # each sees the ones before it
    assert db["story_clusters"].get(ids[0])["size"] == 3


def test_a_failing_batch_leaves_its_articles_for_the_catch_up(db, make_record) -> None:
    import pytest

    from pipelines.dedup.clusters import assign_clusters

    first = save_article(db, make_record(STORY, url="https://a.example.cn/1.html")).article_id
    with pytest.raises(KeyError):
        assign_clusters(db, [(first, None), (12345, None)])  # the second was never stored
    assert db["articles"].get(first)["cluster_id"] is None
    assert db.execute(f"select count(*) from [{nd.LSH_TABLE}]").fetchone()[0] == 0
    assert ensure_clusters(db) == 1
    assert db["articles"].get(first)["cluster_id"] == first


def test_clustering_holds_the_write_lock_from_its_first_read(tmp_path, make_record) -> None:
    """Another writer (the crawl's store and WARC threads) committing between the clustering's first read
    and its first write must wait, not make SQLite refuse that write with "database is locked"."""
    import sqlite3

    import pytest

    from pipelines.archive.schema import open_archive

    path = str(tmp_path / "archive.db")
    db = open_archive(path)
    other = sqlite3.connect(path, timeout=0)
    with nd.transaction(db):
        db.execute("select count(*) from articles").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("insert into dedup_state (key, value) values ('other', 'x')")
        nd.set_state(db, "mine", "y")
    other.execute("insert into dedup_state (key, value) values ('other', 'x')")
    other.commit()
    assert nd.get_state(db, "mine") == "y" and nd.get_state(db, "other") == "x"
    other.close()
    db.close()


OTHER_STORY = "\n".join(
    [
        "即墨区今天举行古城文化节开幕式，来自全国各地的非遗传承人带来四十多个展演项目。",
        "活动持续七天，古城内设置了民俗展示区、手工体验区和特色美食街，预计接待游客二十万人次。",
        "主办方介绍，今年首次引入夜间灯光秀，并开通三条旅游公交专线方便市民出行。",
        "即墨古城自开放以来已成为岛城周末休闲的热门去处，带动周边餐饮住宿持续升温。",
    ]
)


def _lsh_rows(db, article_id: int) -> set[int]:
    return {
        row[0]
        for row in db.execute(f"select bucket from [{nd.LSH_TABLE}] where article_id = ?", [article_id])
    }


def test_a_changed_text_replaces_its_buckets_found_by_primary_key(db, make_record) -> None:
    # No (article_id) index on the LSH table (it cost as much as the table): an article's rows are found
    # again from its packed buckets when its text changes.
    nd.ensure_lsh_table(db)
    indexes = db.execute(
        "select name from sqlite_master where type = 'index' and tbl_name = ?", [nd.LSH_TABLE]
    )
    assert [row[0] for row in indexes if not row[0].startswith("sqlite_autoindex")] == []
    url = "https://a.example.cn/1.html"
    article_id = store(db, make_record, url)
    before = _lsh_rows(db, article_id)
    assert len(before) == nd.BANDS
    stored = db.execute(f"select signature from [{nd.SIGNATURES_TABLE}] where article_id = ?", [article_id])
    assert set(nd.lsh_buckets(stored.fetchone()[0])) == before
    assert store(db, make_record, url, OTHER_STORY) == article_id  # a new version with another text
    after = _lsh_rows(db, article_id)
    assert len(after) == nd.BANDS and not after & before  # the old text's buckets are gone
    assert set(nd.fingerprint(OTHER_STORY).buckets) == after
    # The old text no longer finds it; the new one does.
    assert nd.lsh_candidates(db, nd.fingerprint(STORY).buckets) == []
    assert nd.lsh_candidates(db, nd.fingerprint(OTHER_STORY).buckets) == [article_id]


def test_an_index_with_the_article_id_index_is_upgraded_and_rebuilt(tmp_path, make_record) -> None:
    from pipelines.archive.schema import open_archive

    path = str(tmp_path / "archive.db")
    db = open_archive(path)
    first = store(db, make_record, "https://a.example.cn/1.html")
    with db.conn:  # what the v3 layout holds: an (article_id) index, no dedup_buckets, its signature
        db.execute(f"drop table [{nd.SIGNATURES_TABLE}]")
        db.execute(f"create index idx_dedup_lsh_article_id on [{nd.LSH_TABLE}] (article_id)")
        nd.set_state(db, "index_signature", nd.INDEX_SIGNATURE.replace("+signatures/v5", "/v3"))
    db.close()

    db = open_archive(path)
    assert ensure_clusters(db) == 0
    names = {row[0] for row in db.execute("select name from sqlite_master")}
    assert "idx_dedup_lsh_article_id" not in names and nd.SIGNATURES_TABLE in names
    assert db.execute(f"select count(*) from [{nd.SIGNATURES_TABLE}]").fetchone()[0] == 1
    assert nd.get_state(db, "index_signature") == nd.INDEX_SIGNATURE
    copy = store(db, make_record, "https://b.example.cn/1.html", STORY.replace("，", ","))
    assert db["articles"].get(copy)["cluster_id"] == first
    db.close()


def test_candidates_whose_signature_disagrees_are_not_verified(db) -> None:
    import numpy as np

    nd.ensure_lsh_table(db)
    mine = np.arange(nd.NUM_PERM, dtype="<u4")

    def stored(article_id: int, agreeing: int) -> None:
        values = mine + 1_000_000  # disagrees everywhere ...
        values[:agreeing] = mine[:agreeing]  # ... but in the first ``agreeing`` values
        nd.index_buckets(db, article_id, [article_id], signature=values.tobytes())

    stored(1, nd.MIN_SIGNATURE_AGREEMENT - 1)  # one band in common, a sentence shared: not the story
    stored(2, nd.MIN_SIGNATURE_AGREEMENT)
    stored(3, nd.NUM_PERM)
    nd.index_buckets(db, 4, [4])  # indexed without a signature: nothing to estimate from, verified
    assert nd.likely_candidates(db, mine.tobytes(), [3, 1, 4, 2]) == [3, 4, 2]
    assert nd.likely_candidates(db, b"", [3, 1]) == [3, 1]  # a text too short for a signature


def test_clustering_verifies_only_likely_candidates(db, make_record, monkeypatch) -> None:
    verified: list[list[int]] = []
    real = nd.verified_matches
    monkeypatch.setattr(nd, "verified_matches", lambda db, s, c: verified.append(list(c)) or real(db, s, c))
    first = store(db, make_record, "https://a.example.cn/1.html")
    other = store(db, make_record, "https://b.example.cn/1.html", OTHER_STORY)
    # A candidate by a shared band only: the other story is put in the new article's bucket of band 0.
    fp = nd.fingerprint(STORY.replace("，", ","))
    db.execute(f"insert into [{nd.LSH_TABLE}] (bucket, article_id) values (?, ?)", [fp.buckets[0], other])
    copy = store(db, make_record, "https://c.example.cn/1.html", STORY.replace("，", ","))
    assert db["articles"].get(copy)["cluster_id"] == first
    assert verified[-1] == [first]  # the other story was a candidate, but not verified


def test_clustering_never_scans_the_lsh_table(db, make_record) -> None:
    # Without an (article_id) index, a statement on the LSH table that does not name its bucket reads all of
    # it: 42 rows an article, 42 million at a million articles.
    first = store(db, make_record, "https://a.example.cn/1.html")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    store(db, make_record, "https://b.example.cn/1.html", OTHER_STORY)  # a new article
    store(db, make_record, "https://a.example.cn/1.html", OTHER_STORY + "\n（完）")  # a changed one
    db.conn.set_trace_callback(None)
    reads = [s for s in statements if f"from [{nd.LSH_TABLE}]" in s]  # lookups and deletes
    assert reads and all("bucket = " in s for s in reads), reads
    assert db["articles"].get(first)["version"] == 2
