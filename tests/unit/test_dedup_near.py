"""Near-duplicates: syndicated copies of a story join its cluster; other stories of the site do not."""

from __future__ import annotations

from pipelines.archive.store import save_article
from pipelines.dedup import near as nd
from pipelines.dedup.clusters import assign_cluster

STORY = [
    "记者从青岛市交通运输局获悉，地铁8号线北延段将于本月底开通试运营，沿线设站五座。",
    "据介绍，北延段全长约十二公里，自胶州北站引出，经少海、湖州路至胶东国际机场。",
    "开通后，胶州城区居民前往机场的时间将由四十分钟缩短至十五分钟左右，换乘更加便捷。",
    "运营初期，列车最小行车间隔为八分钟，首班车六点发车，末班车二十二点三十分发车。",
    "市交通运输局相关负责人表示，下一步将同步优化沿线公交线路，做好地铁与公交的接驳。",
]
OTHER_STORY = [  # same site, same day, same topic: another story
    "记者从青岛市交通运输局获悉，今年全市将新开和优化调整公交线路三十条，方便市民出行。",
    "据介绍，新开线路重点覆盖西海岸新区和城阳区的新建居住区，解决居民出行最后一公里问题。",
    "此外，市区还将新增公交专用道二十公里，早晚高峰公交车平均运行速度有望提升百分之十。",
    "市民可通过青岛公交官方平台查询线路调整信息，部分线路的站点名称也将同步更新。",
    "市交通运输局相关负责人表示，将持续推进公交优先战略，让市民出行更加方便快捷。",
]
FOOTER = ["更多精彩内容，请关注半岛都市报", "爆料热线：0532-82888000", "责任编辑：王晓明"]


def text(lines: list[str]) -> str:
    return "\n".join(lines)


def test_punctuation_width_and_quotes_fold_alike() -> None:
    a = nd.shingle_set(["“青岛”地铁8号线，今天开通。"])
    b = nd.shingle_set(["「青岛」地铁８号线,今天开通."])
    assert a == b


def test_chinese_shingles_are_characters_other_text_words() -> None:
    assert all(len(s) == nd.CHAR_SHINGLE for s in nd.shingle_set(STORY))
    english = nd.shingle_set(["The port of Qingdao handled a record number of containers this year."])
    assert "the port of qingdao" in english


def test_page_furniture_is_not_story_text() -> None:
    lines = nd.story_lines(text(["原标题：地铁8号线北延段开通", *STORY, *FOOTER]))
    # Credit lines go by their form; a site's own promotions are learnt from its pages (next tests).
    assert lines == [*STORY, "更多精彩内容，请关注半岛都市报", "爆料热线：0532-82888000"]


def test_syndicated_copy_joins_the_story(db, make_record) -> None:
    first = save_article(db, make_record(text(STORY), url="https://www.bandao.example.cn/a/1.html"))
    assign_cluster(db, first.article_id)
    # A portal's repost: other furniture, a credit line, full-width punctuation, one paragraph cut.
    repost_lines = ["原标题：青岛地铁8号线北延段月底开通", *STORY[:3], *STORY[4:], "来源：半岛都市报"]
    repost_text = text(repost_lines).replace("，", ",").replace("。", ".")
    repost = save_article(db, make_record(repost_text, url="https://qd.portal.example.com/c/9.html"))
    result = assign_cluster(db, repost.article_id)
    assert result.cluster_id == first.article_id
    assert [m.article_id for m in result.matches] == [first.article_id]


def test_truncated_copy_joins_the_story(db, make_record) -> None:
    first = save_article(db, make_record(text(STORY), url="https://www.bandao.example.cn/a/1.html"))
    assign_cluster(db, first.article_id)
    teaser = save_article(
        db, make_record(text([*STORY[:3], "（未完，点击阅读全文）"]), url="https://blog.example.org/p/1")
    )
    assert assign_cluster(db, teaser.article_id).cluster_id == first.article_id


def test_another_story_of_the_same_site_and_topic_is_not_a_copy(db, make_record) -> None:
    site = "https://www.bandao.example.cn/a/"
    first = save_article(db, make_record(text([*STORY, *FOOTER]), url=site + "1.html"))
    assign_cluster(db, first.article_id)
    other = save_article(db, make_record(text([*OTHER_STORY, *FOOTER]), url=site + "2.html"))
    result = assign_cluster(db, other.article_id)
    assert result.cluster_id == other.article_id
    assert result.matches == []


def test_site_boilerplate_is_learned_from_different_stories(db) -> None:
    footer = "打开半岛新闻，看青岛本地更多精彩报道和视频"
    for n in range(nd.BOILERPLATE_STORIES):
        nd.count_story_lines(db, "bandao.example.cn", f"第{n}条新闻的正文内容不同\n{footer}")
    known = nd.site_boilerplate(db, "bandao.example.cn", f"新的正文\n{footer}")
    assert known == {nd.line_key(footer)}
    assert nd.site_boilerplate(db, "other.example.cn", f"新的正文\n{footer}") == set()


def test_short_texts_are_never_matched() -> None:
    assert nd.fingerprint("图片新闻").buckets == ()
    assert len(nd.fingerprint(text(STORY)).buckets) == nd.BANDS
