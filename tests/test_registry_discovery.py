"""The registry grows itself: from a national root on loopback, the walk of government site directories finds
every site of a synthetic country (hosts 127.0.0.N), names each with its publisher, level, region code and
parent, marks the moved and the down, writes a registry the crawler reads, and reaches nothing outside."""

import csv
import subprocess
import sys
import tempfile

import pytest

from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import crawl_portal, load_registry
from nianbao.extractors.directory import Directory, Site, name_site, registry_rows, site_key, write_registry
from nianbao.extractors.discovery import Link
from nianbao.extractors.http import PoliteSession
from nianbao.sample_portal.farm import LISTINGS, Farm


def walk(farm: Farm, **kw):
    return Directory(PoliteSession(delay=0.005), farm.root, **kw).walk()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_site_of_the_country_is_found_named_and_placed(seed):
    with Farm(provinces=2, prefectures=2, counties=2, townships=2, departments=2, hosts=6, seed=seed) as farm:
        sites = walk(farm)
        found = {site_key(s.link): s for s in sites if s.level != "national"}
        want = {site_key(farm.site_url(f)): f for f in farm.reachable()}
        assert set(found) == set(want)  # recall 100%, and nothing outside the farm
        for key, f in want.items():
            s = found[key]
            assert (s.publisher, s.adcode, s.level) == (f.publisher, f.adcode, f.level), (s, f)
            assert s.status == {"ok": "ok", "down": "unreachable", "moved": "moved"}[f.state]
        by_id = {s.id: s for s in sites}
        for s in sites:
            if s.level in ("prefecture", "county"):
                assert by_id[s.parent].adcode == s.adcode[:2 if s.level == "prefecture" else 4].ljust(6, "0")


def test_the_registry_it_writes_is_crawled_from_home_pages():
    with Farm(provinces=1, prefectures=2, counties=1, townships=1, departments=1, hosts=3, seed=4, down=0, moved=0) \
            as farm, tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/discovered.csv"
        write_registry(registry_rows(walk(farm)), path)
        portals = [p for p in load_registry(path) if p.enabled]
        assert len(portals) == len(farm.sites)
        archive = Archive(tmp + "/archive")
        sites = {site_key(farm.site_url(s)): s for s in farm.sites}
        assert {s.listing for s in sites.values()} == set(LISTINGS)  # every CMS family's column
        for p in portals:
            res = crawl_portal(p, PoliteSession(delay=0.005), archive)
            site = sites[site_key(p.entry_url)]
            assert sorted(r.title for r in res.new) == [f"{p.publisher}{y}年政府信息公开工作年度报告"
                                                        for y in sorted(site.years)], (site.listing, res.log[-3:])


def test_links_out_of_a_public_root_never_reach_private_addresses():
    d = Directory(PoliteSession(delay=0.005), "https://www.gov.cn/")
    root = Site("root", "中国政府网", None, "national", "https://www.gov.cn/", None, "(root)")
    assert d._add(root, Link("http://10.0.0.7/", "甘肃"), "https://www.gov.cn/") is None
    assert d._add(root, Link("http://127.0.0.1:8080/", "四川"), "https://www.gov.cn/") is None
    assert d.refused == ["http://10.0.0.7/", "http://127.0.0.1:8080/"]


@pytest.mark.parametrize("text,publisher,level", [
    ("甘肃", "甘肃省人民政府", "province"), ("甘肃省人民政府门户网站", "甘肃省人民政府", "province"),
    ("张掖市政府网", "张掖市人民政府", "prefecture"), ("临泽县", "临泽县人民政府", "county"),
    ("中国政府网", None, None), ("关于印发2023年工作要点的通知", None, None), ("新闻中心", None, None),
])
def test_link_texts_that_name_governments(text, publisher, level):
    named = name_site(text, None)
    if publisher is None:
        assert named is None
    else:
        assert (named[0], named[2]) == (publisher, level)


def test_the_command_writes_the_registry(tmp_path):
    with Farm(provinces=1, prefectures=1, counties=1, townships=0, departments=1, hosts=2, seed=5) as farm:
        out = tmp_path / "found.csv"
        run = subprocess.run([sys.executable, "-m", "nianbao.cli", "registry", "discover", farm.root, "--out", str(out),
                              "--delay", "0.005"], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert len(rows) == len(farm.sites) + 1  # and the root, listed disabled
        assert "sites" in run.stdout and str(out) in run.stdout


def _shared_county_names() -> list[tuple[str, list]]:
    """Every county-level name that several current places carry (鼓楼区 in Nanjing, Xuzhou, Fuzhou, Kaifeng)."""
    from nianbao.transforms.regions import regions

    by_name: dict[str, list] = {}
    for r in regions().values():
        if r.status == "current" and r.level == "county":
            by_name.setdefault(r.name, []).append(r)
    return sorted((n, rs) for n, rs in by_name.items() if len(rs) > 1)


def test_a_place_name_several_places_share_is_the_one_under_the_linking_site():
    from nianbao.transforms.regions import lookup

    shared = _shared_county_names()
    assert len(shared) > 40 and any(n == "鼓楼区" for n, _ in shared)
    for name, places in shared:
        for r in places:
            city = lookup(r.adcode[:4] + "00")
            if city is None or city.adcode == r.adcode:
                continue
            parent = Site(city.adcode, city.name + "人民政府", city.adcode, "prefecture", "http://x/", None, "")
            assert name_site(name, parent)[1].adcode == r.adcode, (name, city.name)
            county = Site(r.adcode, name + "人民政府", r.adcode, "county", "http://y/", parent.id, "")
            publisher, region, level = name_site(f"{name[-1]}财政局", county)  # 区财政局 on 鼓楼区's site
            assert (publisher, region.adcode, level) == (f"{name}财政局", r.adcode, "department"), (name, city.name)


def test_every_county_is_named_from_its_city_s_site_by_every_name_it_goes_by():
    """Every current county-level place of the mainland, linked from its city's site by its name, its
    government's, its site's (…政府网) and each shorter name it goes by (镇沅县 for 镇沅彝族哈尼族拉祜族自治县,
    15-character names included), is that place: not a retired place of the same name, not missed. A short
    name ending like a township's (丰镇 for 丰镇市) is a township by its form, and 沙县区政府网 reads as the
    区县政府 directory words: both are left out."""
    from nianbao.extractors.directory import DIRECTORY_WORDS, TOWNSHIP
    from nianbao.transforms.regions import _by_name, lookup, regions

    names: dict = {}
    for name, places in _by_name().items():
        for r in places:
            names.setdefault(r.adcode, []).append(name)
    counties = [r for r in regions().values() if r.status == "current" and r.level == "county"
                and not r.adcode.startswith(("71", "81", "82"))]
    assert len(counties) > 2800 and max(len(r.name) for r in counties) == 15
    for r in counties:
        up = lookup(r.adcode[:4] + "00") or lookup(r.adcode[:2] + "0000")
        parent = Site(up.adcode, up.name + "人民政府", up.adcode, up.level, "http://x/", None, "")
        texts = {r.name + "人民政府", r.name + "政府网", *names[r.adcode]}
        for text in texts:
            if TOWNSHIP.search(text) or DIRECTORY_WORDS.search(text.replace("政府网", "政府")):
                continue
            named = name_site(text, parent)
            assert named is not None and named[1] == r and named[2] == "county", (text, up.name, named)
