"""From a government's home page to its 年报 column, with no per-site code: the crawler follows the disclosure
section's links (政府信息公开, 政务公开, 法定主动公开内容 …) down to the column, records the path, and the next
run goes straight to the column. Sites are generated in several wordings, URL styles and depths."""

import random
import tempfile

import pytest

from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import Portal, crawl_portal
from nianbao.extractors.http import PoliteSession
from nianbao.sample_portal.pages import Report, render
from nianbao.sample_portal.server import SamplePortal
from nianbao.sample_portal.site import Resource

# the section's name as governments compose it: (政府)信息公开 or 政务公开, bare or as a 专栏 or 目录; (法定)主动公开(内容)
SECTIONS = [head + core + tail for head in ("", "政府") for core in ("信息公开", "政务公开") for tail in ("", "专栏", "目录")] \
    + ["公开目录", "主动公开", "法定主动公开内容", "主动公开内容"]
COLUMNS = ["政府信息公开年报", "政府信息公开工作年度报告", "年度报告", "信息公开年报"]
NOISE = ["新闻中心", "政府信息公开指南", "依申请公开", "政府工作报告", "政府网站工作年度报表", "互动交流", "办事服务"]


def _page(title: str, links: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="nav"><ul>{items}</ul></div><div class="footer">版权所有</div></body></html>').encode()


def build(sp: SamplePortal, seed: int) -> tuple[str, set[str]]:
    """A government site under /gov{seed}/: home -> one or two section pages -> the column -> reports."""
    rnd = random.Random(seed)
    root = f"/gov{seed}"
    depth = rnd.choice([1, 2])
    style = rnd.choice(["words", "pinyin"])
    path = root
    chain = []
    for level in range(depth):
        word = rnd.choice(SECTIONS)
        path += "/" + (rnd.choice(["zwgk", "xxgk", "fdzdgknr", "gkml"]) if style == "pinyin" else f"s{level}")
        chain.append((path + "/index.html", word))
    column = path + ("/ndbg/" if style == "pinyin" else "/c9/")
    column_word = rnd.choice(COLUMNS)
    reports = set()
    items = []
    for year in (2021, 2022, 2023):
        href = f"{column}{year}/report.html"
        title = f"某县人民政府{year}年政府信息公开工作年度报告"
        sp.site[href] = Resource(render(Report(year, "某县人民政府", seed=year).fill()).encode())
        items.append((href, title))
        reports.add(href)
    sp.site[column] = Resource(_page(column_word, items))
    noise = [(f"{root}/n{i}/index.html", w) for i, w in enumerate(rnd.sample(NOISE, 4))]
    for href, w in noise:
        sp.site[href] = Resource(_page(w, [(f"{root}/n/x.html", "某县人民政府关于印发2023年工作要点的通知")]))
    pages = [(f"{root}/index.html", "首页")] + chain
    for i, (href, _) in enumerate(pages):
        nxt = pages[i + 1] if i + 1 < len(pages) else (column, column_word)
        links = noise + [nxt, ("http://www.gov.cn/", "中国政府网")]
        rnd.shuffle(links)
        sp.site[href] = Resource(_page("某县人民政府", links))
    return f"{root}/index.html", reports


@pytest.mark.parametrize("seed", range(10))
def test_a_home_page_leads_to_the_column_and_the_next_run_goes_straight_there(seed):
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        home, reports = build(sp, seed)
        portal = Portal(f"gov{seed}", "某县人民政府", "620725", sp.url + home, delay=0.01)
        archive = Archive(tmp)
        first = crawl_portal(portal, PoliteSession(delay=0.01), archive)
        assert {r.url.replace(sp.url, "") for r in first.new} == reports
        column = archive.columns(portal.id, portal.entry_url)
        assert len(column) == 1 and column[0].replace(sp.url, "").rstrip("/").count("/") >= 2
        n = len(sp.log)
        second = crawl_portal(portal, PoliteSession(delay=0.01), archive)
        asked = [r.path for r in sp.log[n:]]
        assert home not in asked and asked[0] == column[0].replace(sp.url, "")
        assert not second.new and not second.error
        archive.close()


def test_a_column_that_moved_is_searched_for_again():
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        home, reports = build(sp, 11)
        portal = Portal("gov11", "某县人民政府", "620725", sp.url + home, delay=0.01)
        archive = Archive(tmp)
        crawl_portal(portal, PoliteSession(delay=0.01), archive)
        old = archive.columns(portal.id, portal.entry_url)[0]
        del sp.site[old.replace(sp.url, "")]  # the site moved its column: the old address is a 404 now
        sp.site["/gov11/index.html"] = Resource(sp.site["/gov11/index.html"].body.replace(
            old.replace(sp.url, "").encode(), b"/gov11/moved/nb/"))
        for page in [p for p in sp.site if p.startswith("/gov11/") and p.endswith("index.html")]:
            sp.site[page] = Resource(sp.site[page].body.replace(old.replace(sp.url, "").encode(), b"/gov11/moved/nb/"))
        sp.site["/gov11/moved/nb/"] = Resource(_page("年度报告", [(r, f"某县人民政府{r.split('/')[-2]}年政府信息公开工作年度报告")
                                                                for r in sorted(reports)]))
        again = crawl_portal(portal, PoliteSession(delay=0.01), archive)
        assert not again.error
        assert archive.columns(portal.id, portal.entry_url) == [sp.url + "/gov11/moved/nb/"]
        archive.close()
