"""Page chrome recognised line by line on Chinese pages; article prose is kept."""

from __future__ import annotations

import pytest

from pipelines.extract.furniture import is_furniture, strip_image_urls


@pytest.mark.parametrize(
    "line",
    [
        "版权所有 © 示例新闻网 未经授权禁止转载",
        "Copyright © 2024 Example Media. All Rights Reserved.",
        "鲁ICP备12345678号-1",
        "京公网安备 11010802027341号",
        "分享到：微信 微博 QQ空间",
        "扫描二维码关注我们",
        "关注微信公众号，获取更多资讯",
        "上一篇：某某新闻标题",
        "下一篇：另一条新闻",
        "点击进入专题",
        "返回首页",
        "（本文来源：经济日报 作者：某研究部部长）",
        "- 1.5X",
        "00:00/02:54",
        "很抱歉，当前视频播放失败",
        "登录后您可以享受以下权益：",
        "登录后，精彩更多",
        "最新推荐文章于 2023-09-04 17:53:10 发布",
        "http://p2.example.com/a/2016/0810/photo.jpg",
        "世纪天成 | 上海某科技有限公司 版权所有 | 不良信息举报电话：021-12345678 | 全国文化市场统一举报电话：12318"
        " | 沪ICP备12345678号 | 网络文化经营许可证 沪网文[2008]123号",
    ],
)
def test_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "市南区：",
        "记者了解到，该区已建立版权保护工作机制，今年查处侵权案件十二起，涉及金额三百余万元，其中多起案件由群众扫码举报线索。",
        "会议于10:30开始，与会代表围绕城市更新展开讨论。",
        "5月20日22点起，电影频道将播出系列访谈节目。",
        "今年以来，该区新增就业岗位1.5万个。",
        "市民登录后可在政务服务平台查询办理进度，也可以拨打热线电话咨询相关政策。",
        "6.微信扫码登录，无需绑定手机号，不会涉及推广短信等",
    ],
)
def test_prose(line: str) -> None:
    assert not is_furniture(line)


def test_image_urls_removed_from_text() -> None:
    assert strip_image_urls("图为现场 https://img.example.cn/a/b.jpg?x=1 摄") == "图为现场  摄"
    assert strip_image_urls("![](http://x.example/a.png)") == ""
    assert strip_image_urls("详见 https://example.cn/report.html") == "详见 https://example.cn/report.html"
