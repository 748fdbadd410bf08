"""What the user's seed document (``../shared/seeds``) and the shipped seed with the same quirks must come out
as, field by field: shared by tests/unit/test_user_seed.py (extraction) and tests/e2e/test_user_seed.py (the
command line)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expected:
    title: str
    section: str
    published: str
    body_starts: str
    summary: str
    body_words: tuple[str, ...]
    reporters: tuple[str, ...]
    correspondent: str
    editor: str
    original_title: str


USER = Expected(
    title="向招商、棚改发起猛烈攻势青岛这两个区有大动作",
    section="青岛频道",
    published="2019-02-24T22:16:00+08:00",
    body_starts="市南区破除",
    summary="市南区破除“双招双引”最大堵点，专业“突击队”驻外精准招商。",
    body_words=("闫可凯", "十大攻势"),
    reporters=("王萌", "余瑞新"),
    correspondent="朱青秦",
    editor="王赵童",
    original_title="向招商、棚改发起猛烈攻势青岛市南、市北有大动作",
)
SHIPPED = Expected(
    title="抢项目、优服务开年即冲刺青岛这两个区拼劲十足",
    section="青岛频道",
    published="2019-03-11T21:48:00+08:00",
    body_starts="黄岛区重点项目",
    summary="黄岛区重点项目集中开工，“项目管家”全程代办审批手续。",
    body_words=("马立群", "揭榜挂帅"),
    reporters=("孙晓岚", "韩冬"),
    correspondent="刘玥",
    editor="周思远",
    original_title="开年即冲刺 青岛黄岛、崂山比拼项目与服务",
)
