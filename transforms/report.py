"""One report page (bytes) to the contract's rows: the parser's single entry point.

Pure: bytes and options in, plain dicts out. Fetching and writing live
elsewhere, so the same bytes always give the same rows.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nianbao.extractors import ocr
from nianbao.extractors.decode import DecodeError, decode_with_notes
from nianbao.extractors.doc import doc_text, is_doc
from nianbao.extractors.docx import is_docx, parse_docx
from nianbao.extractors.page import (
    Block,
    NotAReportError,
    Page,
    UnsupportedFormat,
    looks_like_html,
    parse_html,
    parse_text,
)
from nianbao.extractors.pdf import MAX_PAGES as PDF_MAX_PAGES
from nianbao.extractors.pdf import is_pdf, parse_pdf
from nianbao.transforms import metadata
from nianbao.transforms.active_disclosure import era_signal, read_active
from nianbao.transforms.applications import ERA_2021 as APP_ERA_2021
from nianbao.transforms.applications import read_applications
from nianbao.transforms.checks import run_checks
from nianbao.transforms.derived import derive_application_totals, derive_review_totals
from nianbao.transforms.legacy import read_legacy
from nianbao.transforms.normalize import norm, strip_pinyin, to_simplified, traditional_count
from nianbao.transforms.regions import (
    Region,
    lookup,
    parents,
    region_in_name,
    regions,
    regions_mentioned,
    short_name,
)
from nianbao.transforms.reviews import read_reviews
from nianbao.transforms.rows import rows_by_section
from nianbao.transforms.sections import split_sections
from nianbao.transforms.series import series_rows

# compiled at import, not at a crawl worker's first page
_DOC_NUMBER_PREFIX = re.compile(r"([\u4e00-\u9fff]{1,2})政办(?:函|发)")

PARSER_VERSION = "0.1.0"
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class ParsedReport:
    report: dict
    active_disclosure: list[dict] = field(default_factory=list)
    applications: list[dict] = field(default_factory=list)
    reviews_litigation: list[dict] = field(default_factory=list)
    legacy_metrics: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return self.report["warnings"]

    def as_dict(self) -> dict:
        return {"report": self.report, "active_disclosure": self.active_disclosure,
                "applications": self.applications, "reviews_litigation": self.reviews_litigation,
                "legacy_metrics": self.legacy_metrics, "sections": self.sections, "checks": self.checks,
                "series": self.series, "warnings": self.report["warnings"]}


def report_id(adcode: str | None, publisher: str | None, year: int | None) -> str:
    key = f"{adcode or ''}|{publisher or ''}|{year if year is not None else ''}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def parse_report(data: bytes, source_url: str = "", fetched_at: datetime | None = None, *,
                 publisher: str | None = None, adcode: str | None = None, year: int | None = None,
                 content_type: str | None = None, default_publisher: str | None = None,
                 default_adcode: str | None = None, max_pages: int | None = None,
                 table_images: list[bytes] = ()) -> ParsedReport:
    """Parse one page. Raises NotAReportError when the bytes hold no report.

    ``publisher``/``adcode``/``year`` override the page; ``default_publisher``
    and ``default_adcode`` (a crawler's registry entry) are used only where
    the page names none, since one column may list many publishers' reports.
    ``table_images``: the JPEG/PNG pictures of a page whose tables are pictures, read by OCR.
    """
    if not data or not data.strip():
        raise NotAReportError("empty input")
    if len(data) > MAX_BYTES:
        raise NotAReportError(f"input is {len(data)} bytes, more than the {MAX_BYTES} a report page can be")
    decode_notes: list[str] = []
    pinyin_spam = False
    refused = unsupported_format(data)
    if refused:
        raise UnsupportedFormat(refused)
    source_kind = None
    if is_doc(data):  # an old Word file: its converter's text (tables as pipe rows) is read as a text page
        data, content_type, source_kind = doc_text(data).encode("utf-8"), "text/plain; charset=utf-8", "doc"
    if is_pdf(data):
        page = parse_pdf(data, max_pages or PDF_MAX_PAGES)
        kind = page.meta.pop("x-source-kind", "pdf")
    elif image_kind(data) in ("JPEG", "PNG"):
        page, kind = ocr.parse_image(data, image_kind(data)), "image_ocr"
    elif is_docx(data):
        page, kind = parse_docx(data), "docx"
    else:
        try:
            text, decode_notes = decode_with_notes(data, content_type)
        except DecodeError as exc:
            raise NotAReportError(str(exc)) from None
        text, n_pinyin = strip_pinyin(text)
        pinyin_spam = n_pinyin > 0
        if pinyin_spam:
            decode_notes.append(f"pinyin inserted after {n_pinyin} characters (a spam mirror); removed")
        if traditional_count(text) >= 10:  # a mirror in Traditional characters: converted once, read as usual
            text = to_simplified(text)
            decode_notes.append("the page is in Traditional characters; read converted to Simplified")
        kind = "html" if looks_like_html(text) else "text"
        page = parse_html(text) if kind == "html" else parse_text(text)
        kind = source_kind or kind
    decode_notes += [n for n in page.meta.pop("x-notes", "").split("\n") if n]  # what OCR chose between
    warnings: list[str] = list(decode_notes)
    if table_images:
        _add_pictured_tables(page, table_images, warnings)
    blocks, title = _select_report(page, publisher, warnings)
    body = "\n".join(b.text for b in blocks if b.grid is None)

    y = year or metadata.report_year(title, body)
    by_section, w = rows_by_section(blocks, y)
    warnings += w
    era_hint = "2021" if (y or 0) >= 2021 else "2019"
    active, w1 = read_active(by_section["active_disclosure"], era_hint)
    apps, w2 = read_applications(by_section["applications"], era_hint)
    reviews, w3 = read_reviews(by_section["reviews_litigation"])
    derive_application_totals(apps)
    derive_review_totals(reviews)
    for c in active:
        c.setdefault("derived", False)
    warnings += w1 + w2 + w3
    if y is not None and y < FIRST_NATIONAL_FORMAT_YEAR:
        # The national formats did not exist yet: whatever tables the page has are legacy statistics.
        era = "legacy"
        if active or apps or reviews:
            warnings.append(f"a {y} report predates the national formats: its tables were read as legacy "
                            "statistics, not as 2019/2021-format rows")
            active, apps, reviews = [], [], []
    else:
        era = _era(active, apps, reviews, y)
    if era == "legacy" and (y or 0) >= FIRST_NATIONAL_FORMAT_YEAR and _has_national_labels(body):
        era = "2021" if y >= 2021 else "2019"
        warnings.append("the national-format tables are printed without figures (an empty template, or a dump "
                        "that lost its cells); the era is the year's format")
    if era == "2019" and active and era_signal(active) == "2021":
        warnings.append("section 二 uses the 2021 columns while section 三 uses the 2019 rows")
    if era == "legacy" and (y or 0) >= 2019:
        warnings.append("no statistics tables found in a report of the national-format years "
                        "(tables as images or attachments?); its figures are read from the narrative")
    sections = split_sections(body)
    legacy = read_legacy(blocks, body, y) if era == "legacy" else []
    for m in legacy:
        if m.pop("warning", None):
            warnings.append(f"legacy {m['metric']}: the table and the narrative disagree; the table is kept")
        if rejected := m.pop("rejected", None):
            warnings.append(f"legacy {m['metric']}: {m['value']:g} kept; {rejected}")
        m.pop("source", None)
    if not (active or apps or reviews or legacy) and not _reads_like_report(title, body, sections):
        raise NotAReportError("no annual report found (no statistics tables and no report sections)")

    # Injected spam hides anywhere: the title, meta keywords, hidden blocks outside the article.
    spam = metadata.spam_hits("\n".join([title, page.title, page.chrome, body, *page.meta.values()]))
    if pinyin_spam:
        spam.append("pinyin after each character")
    candidates = metadata.publisher_candidates(title, page.meta, body, page.chrome)
    pub, where = _publisher(candidates, body, publisher, warnings)
    if pub is None and default_publisher:
        pub, where = default_publisher, "registry (the page names no publisher)"
    code, region = _place(pub, adcode, default_adcode, candidates, body, warnings)
    province = region.province if region else (code[:2] + "0000" if code else None)
    province_region = lookup(province) if province else None
    if spam:
        warnings.append("page carries injected spam: " + ", ".join(spam[:5]))

    rid = report_id(code, pub, y)
    checks = run_checks(apps, reviews)
    report = {
        "report_id": rid, "year": y, "adcode": code, "region": province,
        "region_name": region.name if region and code else None,
        "admin_level": metadata.admin_level(pub or "", region.level if region else None),
        "publisher": pub, "publisher_kind": metadata.publisher_kind(pub or "") if pub else None,
        "publisher_id": metadata.publisher_id(pub, code),
        "province_name": province_region.name if province_region else None,
        "title": title or None, "source_url": source_url, "document_url": source_url, "source_kind": kind,
        "published_date": metadata.published_date(page.meta, page.chrome, body),
        "fetched_at": fetched_at or datetime.now(UTC), "era": era,
        "content_sha256": hashlib.sha256(data).hexdigest(),
        "n_tables": sum(1 for b in blocks if b.grid is not None),
        "checks_failed": sum(1 for c in checks if not c["passed"]),
        "spam_suspected": bool(spam), "warnings": warnings, "parser_version": PARSER_VERSION,
    }
    if where:
        warnings.insert(0, f"publisher read from the {where}")
    series = series_rows(era, apps, reviews, legacy)
    return ParsedReport(report, active, apps, reviews, legacy, sections, checks, series)


FIRST_NATIONAL_FORMAT_YEAR = 2019  # the 2019 format's first reports cover 2019


_IMAGES = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG", b"GIF8": "GIF", b"BM": "BMP", b"II*\x00": "TIFF",
           b"MM\x00*": "TIFF"}


def unsupported_format(data: bytes) -> str | None:
    """One line naming a file type this version does not read (and what would), or None."""
    kind = image_kind(data)
    if kind and kind not in ("JPEG", "PNG"):
        return f"a {kind} image: OCR reads JPEG and PNG pictures; convert it to PNG and parse that"
    return None


def image_kind(data: bytes) -> str | None:
    return next((name for magic, name in _IMAGES.items() if data.startswith(magic)), None)


def _era(active: list[dict], apps: list[dict], reviews: list[dict], year: int | None) -> str:
    outcomes = {c["outcome"] for c in apps}
    if outcomes & APP_ERA_2021:
        return "2021"
    if "other" in outcomes:
        return "2019"
    signal = era_signal(active)
    if signal:
        return signal
    if apps or reviews:
        return "2021" if (year or 0) >= 2021 else "2019"
    return "legacy"  # no national-format tables: figures are in the narrative, whatever the year


def _add_pictured_tables(page: Page, images: list[bytes], warnings: list[str]) -> None:
    """A page whose tables are pictures (JPEG/PNG pasted in): each picture read by OCR, and its tables added
    after the page's own text, in the pictures' order, each with the heading the picture shows above it."""
    read = 0
    if len(images) > ocr.MAX_PICTURES:
        warnings.append(f"{len(images)} pictures in the page: only the first {ocr.MAX_PICTURES} were read by OCR")
    for data in images[:ocr.MAX_PICTURES]:
        try:
            pictured = ocr.parse_image(data, image_kind(data) or "PNG")
        except NotAReportError:  # not OCR-able here (no extra), or no text: a logo, a photo
            continue
        for block in pictured.blocks:  # the tables only: the page's own text is the report's text
            if block.grid is not None:
                block.grid.context = block.grid.context or next(
                    (b.text for b in reversed(page.blocks) if b.grid is None), "")
                page.blocks.append(block)
        read += 1
    if read:
        warnings.append(f"tables read by OCR from {read} picture(s) in the page")


def _has_national_labels(body: str) -> bool:
    """Whether the text carries the national format's table labels (第二十条第(一)项 … 申请人情况)."""
    text = norm(body)
    return "第二十条第" in text and ("申请人情况" in text or "本年新收政府信息公开申请数量" in text)


def _reads_like_report(title: str, body: str, sections: list[dict]) -> bool:
    t = norm(title)
    if ("报告" in t or "年报" in t) and ("公开" in t or "年报" in t):
        return True
    return len(sections) >= 3 and "信息公开" in norm(body[:5000])


_REPORT_START = re.compile(r"^[一1][、.．]\s*(总体情况|概述|概况|基本情况)")


def _select_report(page: Page, publisher: str | None, warnings: list[str]) -> tuple[list[Block], str]:
    """The blocks of the one report the caller wants when a page holds several."""
    blocks = page.blocks
    starts = [i for i, b in enumerate(blocks) if b.grid is None and _REPORT_START.match(norm(b.text))]
    if len(starts) < 2:
        return blocks, page.title or _title_in_blocks(blocks)
    cuts = []
    for i in starts:  # a report begins at its title (if printed) just before 一、总体情况
        j = i
        for k in range(i - 1, max(-1, i - 4), -1):
            if blocks[k].grid is None and "报告" in blocks[k].text and len(blocks[k].text) < 80:
                j = k
        cuts.append(j)
    cuts[0] = 0
    segments = [blocks[a:b] for a, b in zip(cuts, cuts[1:] + [len(blocks)], strict=False)]
    titles = [_title_in_blocks(s) for s in segments]
    want = norm(publisher or "")
    for seg, title in zip(segments, titles, strict=False):
        head = norm(title + "".join(b.text for b in seg[:4] if b.grid is None))
        if want and want in head:
            warnings.append(f"page holds {len(segments)} reports; read the one of {publisher}")
            return seg, title or page.title
    warnings.append(f"page holds {len(segments)} reports; read the first (pass --publisher to choose)")
    return segments[0], titles[0] or page.title


def _title_in_blocks(blocks: list[Block]) -> str:
    for b in blocks[:6]:  # …年度报告, or a CMS title with the body after it: 2020年报_审计局
        if b.grid is None and len(b.text) < 80 and re.search(r"(年度?报告|年报)(?:\s*[_|｜-]\s*\S{2,20})?$", b.text):
            return b.text
    return ""


def _place(pub: str | None, adcode: str | None, default_adcode: str | None, candidates: list[tuple[str, str]],
           body: str, warnings: list[str]):
    """(adcode, Region) of the publisher: the caller's code, else the publisher's name, else the site's
    own name (a department named without its place), else the registry's default."""
    if adcode:
        region = lookup(adcode)
        if region is None:
            warnings.append(f"adcode {adcode} is not in the region table")
        _signal_warnings(body, region, warnings)
        return adcode, region
    region = region_in_name(pub, body[:3000], default_adcode) if pub else None
    if region is None and pub and metadata.is_township(pub):
        region = _county_of_township(pub, body)
        if region is not None:
            warnings.append(f"a township placed under the one county-level place the page names with it "
                            f"({region.name})")
    if region is None:
        for name, where in candidates:
            region = region_in_name(name, body[:3000], default_adcode) if not metadata.spam_hits(name) else None
            if region:
                warnings.append(f"region read from the {where} ({name})")
                break
    if region is None and default_adcode:
        return default_adcode, lookup(default_adcode)
    if region is None:
        region = _region_of_site(body)
        if region is not None:
            warnings.append(f"region read from the site the report says it publishes on ({region.name})")
    if region is None:
        region = _region_of_parent(body)
        if region is not None:
            warnings.append(f"region read from the government the report answers to ({region.name})")
    if region is None:
        province = _province_named(body)
        if province is not None:
            warnings.append(f"only the province is known, from the one province the text names ({province.name})")
            return None, province
    _signal_warnings(body, region, warnings)
    return (region.adcode if region else None), region


_SITE = re.compile(r"([\u4e00-\u9fff]{2,12}?(?:人民政府|政府|管理委员会|管委会))(?:门户)?网(?!络)")  # 网站, 遂溪县政府网


def _region_of_site(body: str) -> Region | None:
    """A department that names no place (我局, 市农业农村局) publishes on its government's site: "在中江县人民政府
    网站主动公开…", "通过绵竹市人民政府门户网站…", "在“中国永嘉”县政府门户网站", "通过“怀化市洪江区管理委员会”门户网站"
    (a 管理区 with no code of its own: the deepest place named, 怀化市). The place of that site, when the text names
    exactly one."""
    text = norm(body[:8000])
    places = {r.adcode: r for m in _SITE.finditer(text)
              if (r := region_in_name(re.split(r"在|通过|依托|利用|和|及|与|、|把|将|向", m.group(1))[-1])) is not None}
    places.update({r.adcode: r for m in _BRANDED_SITE.finditer(text)
                   if (r := region_in_name(m.group(1) + m.group(2))) is not None})
    return next(iter(places.values())) if len(places) == 1 else None


_BRANDED_SITE = re.compile(r"中国([\u4e00-\u9fff]{2,4}?)(县|区|市)(?:人民)?政府(?:门户)?网站")  # (quotes normed away)


def _county_of_township(publisher: str, body: str) -> Region | None:
    """A township's county: the county-level place written right before the township's name somewhere in the
    page (某区某镇人民政府, the county written before the town), else the one county-level place the page names."""
    town = re.sub(r"(?:人民政府|政府|办事处)$", "", publisher)
    text = norm(body[:8000])
    counties = [r for r in regions_mentioned(text) if r.level == "county"]
    before = [r for r in counties if r.name + town in text or short_name(r.name) + town in text]
    if len(before) == 1:
        return before[0]
    return counties[0] if len({r.adcode for r in counties}) == 1 else None


def _region_of_parent(body: str) -> Region | None:
    """A department that names only its level ("根据区政府关于…", 县政府的部署) under the one county-level place of
    that kind the text names (广州市荔湾区政务公开工作办公室): its government's place."""
    text = norm(body[:8000])
    kinds = {m.group(1) for m in re.finditer(r"(?:^|[，。,、；;（(根据按照在落实和与])(区|县)(?:委|人民)?政府", text)}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    places = {r.adcode: r for r in regions_mentioned(text) if r.level == "county" and r.name.endswith(kind)}
    return next(iter(places.values())) if len(places) == 1 else None


def _province_named(body: str) -> Region | None:
    """The one province a text names (广东省, or 广东 alone: 对广东重要讲话), or the one province every place it
    names lies in (《武汉市政府信息公开暂行规定》: the report follows its city's rules, so it is in 湖北), for a
    report that names no place of its own; None when it names none or several."""
    text = metadata.without_spam(norm(body[:8000]))
    found = {r.adcode: r for name, r in _province_names().items() if name in text}
    if not found:
        found = {p.adcode: p for r in regions_mentioned(text) if (p := lookup(r.province)) is not None}
    return next(iter(found.values())) if len(found) == 1 else None


@functools.lru_cache(maxsize=1)
def _province_names() -> dict[str, Region]:
    out = {}
    for r in regions().values():
        if r.level == "province" and r.status == "current":
            out[r.name] = r
            if len(short_name(r.name)) >= 2:
                out[short_name(r.name)] = r
    return out


def _publisher(candidates: list[tuple[str, str]], body: str, given: str | None,
               warnings: list[str]) -> tuple[str | None, str | None]:
    if given:
        return given, None
    for name, where in candidates:
        if metadata.spam_hits(name):
            warnings.append(f"the {where} names the publisher with spam ({name[:30]}); ignored")
            continue
        return name, where
    inferred = _publisher_from_contact(body)
    if inferred:
        return inferred, "office the report gives for questions (the page's own name for it is spam or missing)"
    inferred = _publisher_from_address(body)
    if inferred:
        return inferred, "address in the report (the page's own name for it is spam or missing)"
    return None, None


_CONTACT = re.compile(r"请与([\u4e00-\u9fff]{4,40}?)(?:政府信息公开|政务公开|信息公开)[\u4e00-\u9fff]{0,20}?联系")
_ORG_END = re.compile(r"(?:人民政府|政府|办公室|办公厅|局|厅|委员会|委|办事处|管委会|中心)$")


def _publisher_from_contact(body: str) -> str | None:
    """……请与某市政府办公室政府信息公开领导小组办公室联系 (or its 政务公开科 …): the body that answers for the report,
    the office named before its 政府信息公开/政务公开/信息公开 unit, when it names its place."""
    m = _CONTACT.search(norm(body[:8000]))
    if not m or not _ORG_END.search(m.group(1)) or region_in_name(m.group(1)) is None:
        return None
    return m.group(1)


def _publisher_from_address(body: str) -> str | None:
    """A government report whose name is spammed out: place it by its postal address."""
    m = re.search(r"地址[:：]([^;；)）。]{2,80})", body)
    if not m:
        return None
    places = [r for r in regions_mentioned(m.group(1)) if r.level == "county"]
    if not places:
        return None
    county = places[0]
    if county.name.endswith("市"):  # a county-level city: its 全市 and 市政府 are its own
        return county.name + "人民政府"
    t = norm(body[:8000])
    city_words = t.count("全市") + t.count("市政府")
    county_words = t.count("全县") + t.count("县政府") + t.count("全区") + t.count("区政府")
    if city_words > county_words:
        up = [p for p in parents(county) if p.level == "prefecture"]
        if up:
            return up[0].name + "人民政府"
    return county.name + "人民政府"


def _signal_warnings(body: str, region, warnings: list[str]) -> None:
    """Other place signals (document prefixes) that disagree with the region used."""
    if region is None:
        return
    prefixes = set(_DOC_NUMBER_PREFIX.findall(body[:20000]))
    first = region.name[0]
    if prefixes and not any(p.startswith(first) for p in prefixes):
        warnings.append(f"document prefixes {sorted(prefixes)[:3]} do not match {region.name}")


def _load_reference_data() -> None:
    """Region names and label maps are read once, when the parser is imported, not on a crawl's first page."""
    from nianbao.transforms.regions import region_in_name
    from nianbao.transforms.vocabulary import label_maps

    label_maps()
    region_in_name("张掖市")


_load_reference_data()
