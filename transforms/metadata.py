"""What a report says about itself: year, publication date, publisher, spam.

Every value here is read from the page's own words; what the caller passes
(--publisher/--adcode/--year) always wins, and other signals in the page
(address, postcode, document prefixes) only add warnings.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import lru_cache

from nianbao.transforms.normalize import arabic_years, norm, to_simplified
from nianbao.transforms.regions import government_of

# compiled at import, not at a crawl worker's first page
_A_YEAR = re.compile(r"(?:20\d\d|二〇..)年")
_REPORT_WORD = re.compile(r"报告|年报")
_YEAR_BEFORE_REPORT = re.compile(r"(20[0-3]\d|199\d)年?度?.{0,30}(年度报告|年报|工作报告|报告)")
_YEAR_AFTER_REPORT = re.compile(r"(?:报告|年报)\((20[0-3]\d)年?度?\)")
_REPORT_OR_YEAR_WORD = re.compile(r"报告|年度")
_NOT_WORD = re.compile(r"[^\w]")
_TOWNSHIP = re.compile(r"(乡|镇|街道)(人民政府|办事处)?$|(乡|镇)人民政府")
_DEPARTMENT_BOARD = re.compile(r"(局|委员会办公室|厅)管理委员会$")
_GOVERNMENT_SUFFIX = re.compile(r"(人民政府|人民政府办公厅|人民政府办公室|政府办公室|行政公署|街道办事处|管委会|管理委员会)$")
_TITLE_JOINS = re.compile(r"\s*(?:[-_|｜]|——)\s*")
_DATE_FIELD = re.compile(r"(?:发布|发文|成文|公开)(?:日期|时间)\s*[:：]?\s*([0-9年月日\-./ ]{8,16})")

_cn_year = arabic_years


def report_year(title: str, body: str) -> int | None:
    """The year the statistics cover: title first, then the statistics period, then the text."""
    t = _cn_year(norm(title))
    m = _YEAR_BEFORE_REPORT.search(t) or \
        _YEAR_AFTER_REPORT.search(t)
    if m:
        return int(m.group(1))
    b = _cn_year(norm(body[:6000]))
    m = re.search(r"(?:统计(?:时间|期限|期|范围)|数据)[^。]{0,20}?(20[0-3]\d)年1月1日", b)
    if m:
        return int(m.group(1))
    m = re.search(r"(20[0-3]\d)年(?:度)?(?:政府)?信息公开(?:工作)?年度报告", b)
    if m:
        return int(m.group(1))
    years = re.findall(r"(20[0-3]\d)年", b[:3000])
    if years:
        return int(max(set(years), key=years.count))
    return None


_DATE = re.compile(r"(20[0-3]\d|19\d\d)\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?")


def published_date(meta: dict[str, str], chrome: str, body: str) -> date | None:
    """发布日期 from meta tags, the page's info box, or the date line under the title."""
    candidates = [meta.get(k, "") for k in ("pubdate", "publishdate", "firstpublishedtime", "createdate",
                                             "field:发布时间", "field:发布日期", "field:发文日期",
                                             "field:成文日期", "field:时间")]
    m = _DATE_FIELD.search(chrome + " " + body[:300])
    if m:
        candidates.append(m.group(1))
    for c in candidates:
        d = _to_date(c)
        if d:
            return d
    return None


def _to_date(text: str) -> date | None:
    m = _DATE.search(norm(text or ""))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


_ORG_SUFFIX = (r"(?:人民政府(?:办公厅|办公室)?|政府办公室|管理委员会|管委会|委员会|办公室|办公厅|"
               r"厅|局|委|署|院|中心|街道办事处|办事处|街道|公署)")
_PUBLISHER_IN_TITLE = re.compile(r"^(.{2,40}?" + _ORG_SUFFIX + r")(?:关于)?(?:20\d\d|二〇|[（(])")
_PUBLISHER_BEFORE_YEAR = re.compile(r"^(.{2,40}?)(?:20\d\d|二〇..)年")
_PUBLISHER_AFTER_YEAR = re.compile(r"^(?:20\d\d)年度?(.{2,40}?)(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度?报告|年报)")
_PUBLISHER_NO_YEAR = re.compile(r"^(.{2,40}?)(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度?报告|年报)")  # …报告（2020年度）
# Wrappers around a title: 关于印发《…》的通知, 【政务公开】 tags, quotes.
_TITLE_WRAPPER = re.compile(r"^(?:[(\[][^)\]]{1,12}[)\]])?(?:关于(?:印发|公布|发布|公开))?[《<]?|[》>]?(?:的通知|的公告)?$")
_NAME_ALONE = re.compile(r"[\u4e00-\u9fff（）()]{2,30}?" + _ORG_SUFFIX)
_TITLE_PATTERNS = (_PUBLISHER_IN_TITLE, _PUBLISHER_BEFORE_YEAR, _PUBLISHER_AFTER_YEAR, _PUBLISHER_NO_YEAR)
# "现公布永嘉瓯北城市新区管委会2012年政府信息公开工作年度报告": the report names its own publisher.
_PUBLISHES = re.compile(r"(?:现|特此|予以)?公布(.{2,40}?" + _ORG_SUFFIX + r"(?:[(（][^()（）]{1,12}[)）]|[)）])?)"
                        r"(?:20\d\d|二〇..)年度?[^。]{0,12}?(?:报告|年报)")
_COMPILED_BY = re.compile(r"由(.{2,40}?" + _ORG_SUFFIX + r")(?:负责)?(?:编制|编写|起草|制作)")
# "…要求，张掖市人民政府办公室编制了本报告" (no 由): the name runs back to the previous punctuation.
_COMPILED = re.compile(
    r"(?:^|[,，。；;:：])([^,，。；;:：]{2,40}?" + _ORG_SUFFIX + r")(?:负责|特|现)?(?:编制|编写|起草)(?:了|完成了?)?"
    r"(?:本|(?:19|20)\d\d年)"
)


# "一、总体情况 2021年，温州市洞头区农业农村局以…为指导" / "…，官洲街道办事处认真贯彻落实《条例》" / "引言 为了…，
# 2017年,县水务局严格按照…": the body that opens the overview is the publisher (trusted least: after titles,
# fields and 编制 sentences).
_OVERVIEW_SUBJECT = re.compile(
    r"(?:总体情况|概述|引\s?言)[^\n]{0,4}?\n?(?:[^,，。；;\n]{0,40}[,，]){0,6}\s*"
    r"([\u4e00-\u9fff（）()]{2,30}?" + _ORG_SUFFIX + r")"
    r"(?:始终|认真|以|坚持|深入|严格|按照|根据|全面|围绕|紧紧|高度|积极|进一步|不断|持续|扎实|全力|把)"
)
_GENERIC_NAME = re.compile(r"^(?:.?|政府|人民政府|本级政府|本机关|本单位|我局|我委|我办|我市|我县|我区|.*门户网站)$")


def norm_keep_lines(text: str) -> str:
    """norm() line by line: the line breaks that end headings are kept."""
    return "\n".join(norm(line) for line in text.split("\n"))


def publisher_candidates(title: str, meta: dict[str, str], body: str, chrome: str) -> list[tuple[str, str]]:
    """(name, where) pairs in order of trust."""
    out: list[tuple[str, str]] = []
    t = norm(title)
    t = _TITLE_WRAPPER.sub("", t)  # 【政务公开】, 关于印发《…》的通知 (norm() made 【】 into ())
    # a site's name joined to the title: 金堂县人民政府-金堂县人民政府2019年…报告, …报告_门户网站, …报告|某局
    parts = [s for s in _TITLE_JOINS.split(t) if s]
    titled = [s for s in parts if _A_YEAR.search(s) and _REPORT_WORD.search(s)]
    if len(parts) > 1 and titled:
        t = titled[0]
    for pattern in _TITLE_PATTERNS:
        m = pattern.match(t)
        if m and not _REPORT_OR_YEAR_WORD.search(m.group(1)):
            # 关于某镇2016年…报告; 壶镇镇人民政府信息公开年度报告 (cut at 政府信息公开, its 政府 is the body's)
            name = re.sub(r"^关于", "", m.group(1))
            name = name + "政府" if name.endswith("人民") else name
            # A title that names only a place (张掖市2020年…报告) is that place's government's report.
            out.append((government_of(name) or name, "title"))
            break
    else:  # the titled part names no body (2020年报_审计局): the part beside it that is a body's name
        body_parts = [s for s in parts if s not in titled and re.fullmatch(r".{1,30}?" + _ORG_SUFFIX, s)]
        if titled and body_parts:
            out.append((body_parts[0], "title"))
    for key in ("field:发布机构", "field:发文机关"):
        if meta.get(key):
            out.append((norm(meta[key]), key.replace("field:", "")))
    first_line = norm(next((ln for ln in body[:400].splitlines() if ln.strip()), ""))
    if _NAME_ALONE.fullmatch(first_line):  # a page that opens with its publisher's name (浑南区民族和宗教事务局)
        out.append((first_line, "first line"))
    first = norm(body[:3000])
    m = _COMPILED_BY.search(first) or _COMPILED.search(first) or _PUBLISHES.search(first)
    if m:  # the office that compiles a government's report writes for the government
        out.append((re.sub(r"(人民政府)(?:办公室|办公厅)$", r"\1", m.group(1)), "first sentence"))
    m = _OVERVIEW_SUBJECT.search(norm_keep_lines(body[:3000]))
    if m and not re.match(r"^(?:我|本|全)", m.group(1)):
        out.append((m.group(1), "overview's first sentence"))
    for key in ("contentsource", "field:来源", "field:信息来源"):
        if meta.get(key):
            out.append((norm(meta[key]), key.replace("field:", "")))
    for key in ("field:主办单位", "field:主办", "sitename"):
        if meta.get(key):
            out.append((norm(meta[key]), key.replace("field:", "")))
    out = [(without_injected_domain(n), w) for n, w in out]
    return [(to_simplified(n), w) for n, w in out if n and not _GENERIC_NAME.match(n)]


def publisher_kind(publisher: str) -> str:
    p = publisher or ""
    if _GOVERNMENT_SUFFIX.search(p) \
            and not _DEPARTMENT_BOARD.search(p):
        return "government"
    return "department"


def is_township(publisher: str | None) -> bool:
    """A township's body: 乡, 镇 or 街道, with or without 人民政府/办事处."""
    return bool(_TOWNSHIP.search(publisher or ""))


def admin_level(publisher: str, region_level: str | None) -> str | None:
    return "township" if is_township(publisher) else region_level


# Gambling and SEO spam injected into mirrored or hijacked pages.
# The lookahead lets the scan skip, in one step, every position that cannot start a spam word
# (a 60-branch alternation tried at every character of a 50 KB page is the parser's slowest step).
_SPAM = re.compile(
    r"(?=[13abgopwy一乐九亚代伟体六利刷办北半华博外天太威娱官平幸开彩必成新无时棋永沙澳爱电百皇真私米约网老葡裸赌足速金银雷黄龙])"
    r"(?:365bet|bet365|(?<![a-z])bet\d{2,3}(?!\d)|188bet|(?<![a-z])w88(?!\d)|bwin|"
    r"澳门(?:新葡京|银河|金沙|威尼斯人|赌场)|新葡京|葡京(?:娱乐|官网|赌场)|威尼斯人(?:娱乐|官网|app)|"
    r"太阳城(?:娱乐|集团|官网)|金沙(?:娱乐|官网|集团)|皇冠(?:体育|足球|官网|平台)|百家乐|娱乐城|真人(?:娱乐|视讯)|"
    r"博彩|赌场|赌博网|棋牌(?:游戏|官网|平台)|老虎机|体育投注|足球投注|彩票(?:平台|网址|官网)|"
    r"(?:官网|官方网站|网址)(?:入口|登录|下载)|平台客户端|速发\d+|开云(?:体育|官网|app)|九游(?:会|娱乐|官网)|"
    r"乐鱼(?:体育|官网)|华体会|米乐(?:体育|官网|m6)|半岛(?:体育|官网)|(?<![a-z])ag(?:真人|平台|娱乐)|pg电子|电子游艺|"
    r"亚博(?:体育|官网|app|vip)|bob体育|必威(?:体育|官网)|betway|伟德(?:国际|官网|体育)|利来(?:国际|官网|娱乐)|"
    r"金博宝|龙8(?:国际|官网|娱乐)|ope体育|yabo|博狗|永利(?:皇宫|娱乐|官网)|银河(?:娱乐|国际官网)|天博(?:体育|官网)|"
    r"雷竞技|沙巴体育|乐动体育|爱游戏(?:体育|官网)|九州(?:体育|酷游)|六合彩|时时彩|北京赛车|pk10|幸运飞艇|"
    r"体育(?:app下载|官网入口|平台官网)|电竞(?:竞猜|投注)|网赌|真钱|"
    r"代开(?:发票|增值税)|办证(?:电话|联系|微信)|刷单|裸聊|黄色网站|成人(?:视频|网站|电影)|一夜情|约炮|无码|"
    r"外围(?:女|模特)|私服|外挂)",
    re.I,
)


# A mirror's domain printed where the place name was: "现公布puroview.com委农办(县农业局)2016年…报告". A domain set
# right against Chinese text on both sides (no www., not a government domain) names no government body.
INJECTED_DOMAIN = re.compile(r"(?<=[\u4e00-\u9fff])(?!www\.)([a-z0-9][a-z0-9-]{2,40}\.(?:com|net|org|cc|top|vip|xyz|info|"
                             r"club|site|shop|me|co|io|cn))(?=[\u4e00-\u9fff])", re.I)


def without_spam(text: str) -> str:
    """The text with injected spam phrases cut out (澳门金沙城中心… names no place of the report's)."""
    return _SPAM.sub("", text)


def spam_hits(text: str) -> list[str]:
    hits = {m.group(0) for m in _SPAM.finditer(text)}
    hits |= {m.group(1) for m in INJECTED_DOMAIN.finditer(text) if not m.group(1).lower().endswith("gov.cn")}
    return sorted(hits)


_LEADING_DOMAIN = re.compile(r"^(?!www\.)[a-z0-9][a-z0-9-]{2,40}\.(?:com|net|org|cc|top|vip|xyz|info|club|site|shop|me|co|io)"
                             r"(?=[\u4e00-\u9fff])", re.I)


def without_injected_domain(name: str) -> str:
    """The body's name with a mirror's injected domain cut out (the place it replaced is lost)."""
    return _LEADING_DOMAIN.sub("", INJECTED_DOMAIN.sub("", name))


@lru_cache(maxsize=1)
def _renamed() -> dict[str, str]:
    """Bodies renamed in a reform (data/publisher_aliases.csv): old name -> the name it carries now."""
    import csv

    from nianbao.data import data_file

    with open(data_file("publisher_aliases.csv"), encoding="utf-8") as f:
        return {canonical_publisher(r["old_name"]): canonical_publisher(r["new_name"]) for r in csv.DictReader(f)}


def canonical_publisher(name: str) -> str:
    """One spelling per body: width, spaces and punctuation ignored, 人民政府 written 政府 (区人民政府 = 区政府,
    人民政府办公室 = 政府办公室)."""
    t = norm(name or "")
    t = _NOT_WORD.sub("", t)
    return t.replace("人民政府", "政府")


def publisher_id(name: str | None, adcode: str | None) -> str | None:
    """A stable id for a publisher across years, however its name is written and after a renaming the
    registry records; the adcode keeps two places' bodies of one name apart."""
    if not name:
        return None
    canon = canonical_publisher(name)
    canon = _renamed().get(canon, canon)
    return hashlib.sha256(f"{adcode or ''}|{canon}".encode()).hexdigest()[:12]
