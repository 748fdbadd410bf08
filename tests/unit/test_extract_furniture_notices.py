"""Site notices under Chinese articles (reprint disclaimers, the desk's contact lines, tip-off adverts, a
comment box still loading) are page chrome; prose that mentions a telephone or a disclaimer is kept."""

from __future__ import annotations

import pytest

from pipelines.extract.furniture import is_furniture


@pytest.mark.parametrize(
    "line",
    [
        "声明：",
        "【免责声明】",
        "• 凡注明为其他媒体来源的信息，均为转载自其他媒体，转载并不代表本网赞同其观点，也不代表本网对其真实性"
        "负责。如有疑问请与本网联系。",
        "3、凡本网注明“来源：某某日报”的作品，均转载自其它媒体，转载目的在于传递更多信息，并不代表本站观点。",
        "电话：010-12345678转8001  传真：010-87654321",
        "邮箱：稿件处理  处理时间：9:00—18:00",
        "示例网微博#爆料#或短信爆料13900000000 一经采用最高奖励300元",
        "系统消息：正在载入评论请稍候......",
        "正在加载中...",
    ],
)
def test_site_notices_are_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "市民如发现可疑情况，可拨打举报电话12345，或通过邮箱反映，相关部门将及时处理。",
        "他在声明中表示，公司将继续履行合同义务，不会因此次事件改变既定的发展方向。",
        "记者拨通了该公司的电话，对方表示，相关产品已全部下架，正在配合调查。",
        "发布会上，双方代表共同宣读了联合声明：",
    ],
)
def test_prose_about_contacts_and_statements_is_kept(line: str) -> None:
    assert not is_furniture(line)
