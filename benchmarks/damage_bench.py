"""Held-out damage on real tables: the real HTML reports with hand-read gold, damaged in their own DOM by
random combinations of what portals do, then scored cell by cell against the gold.

The generator in sample_portal writes its own tables; these are the real pages' tables (their real merged
cells and spans), so a parser tuned to the generator is not flattered. Each kind of damage is drawn with
its own random form (which table, which column, where the break falls, which cells); none of these
combinations appears in the tests.

`python -m benchmarks.damage_bench [--rounds 40] [--seed 1000]`
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
from pathlib import Path

import opencc
from bs4 import BeautifulSoup, Comment

from benchmarks.gold_score import KEYS
from nianbao.extractors.decode import decode_bytes
from nianbao.extractors.page import NotAReportError
from nianbao.sample_portal.pages import text_dump
from nianbao.transforms.report import parse_report

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "tests/fixtures/real/pingtan_2025.html", ROOT / "tests/fixtures/real/sh_bgt_2019.html",
         ROOT / "tests/fixtures/real_wild/rw_shuyang_fgj_2023.html"]
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_TO_TRADITIONAL = opencc.OpenCC("s2t")


def data_tables(soup) -> list:
    """The innermost tables that print figures."""
    return [t for t in soup.find_all("table") if not t.find("table")
            and any(_NUMBER.match(td.get_text()) for td in t.find_all("td"))]


def ghost_column(soup, rng: random.Random) -> None:
    """An empty grid column (Word's ghost column): a blank cell at grid column g of every row that has a
    cell there, and cells spanning across g widened by one, as a real table with that column prints."""
    table = rng.choice(data_tables(soup))
    rows = table.find_all("tr")
    width = max(sum(int(td.get("colspan", 1) or 1) for td in tr.find_all(["td", "th"], recursive=False))
                for tr in rows)
    g = rng.randint(1, max(1, width - 1))
    covered: dict[int, int] = {}  # grid column -> rows still covered by a rowspan from above
    ghost_left = 0  # rows below still covered by the ghost cell (or widened cell) placed above
    for tr in rows:
        col, cells = 0, tr.find_all(["td", "th"], recursive=False)
        placed = ghost_left > 0
        ghost_left = max(0, ghost_left - 1)
        for td in cells:
            while covered.get(col, 0) > 0:
                col += 1
            span, down = int(td.get("colspan", 1) or 1), int(td.get("rowspan", 1) or 1)
            if not placed and (col == g or col < g < col + span):
                if col == g:
                    ghost = soup.new_tag("td")
                    if down > 1:
                        ghost["rowspan"] = str(down)  # as tall as its neighbour: a grid column runs down
                    td.insert_before(ghost)
                else:
                    td["colspan"] = str(span + 1)
                ghost_left = down - 1
                placed = True
            for c in range(col, col + span):
                covered[c] = max(covered.get(c, 0), down)
            col += span
        if not placed and g == col and cells:
            cells[-1].insert_after(soup.new_tag("td"))
        covered = {c: n - 1 for c, n in covered.items() if n > 1}


def page_break(soup, rng: random.Random) -> None:
    """The table split in two at a random row, a page footer between, the header repeated or not."""
    table = rng.choice(data_tables(soup))
    rows = table.find_all("tr")
    head = next((i for i, tr in enumerate(rows) if any(_NUMBER.match(td.get_text()) for td in tr.find_all("td"))),
                len(rows))
    if len(rows) - head < 3:
        return
    at = rng.randint(head + 1, len(rows) - 1)
    second = soup.new_tag("table")
    if rng.random() < 0.5:  # the header rows repeated on the new page, as Word does
        for tr in rows[:head]:
            second.append(copy.copy(tr))
    for tr in rows[at:]:
        second.append(tr.extract())
    footer = soup.new_tag("p")
    footer.string = rng.choice(["— 4 —", "- 5 -", "第 3 页"])
    table.insert_after(footer)
    footer.insert_after(second)


def annotate(soup, rng: random.Random) -> None:
    """Some figures printed with their unit or stray spaces (25件, ' 25 ', ２５)."""
    for td in soup.find_all("td"):
        text = td.get_text()
        if _NUMBER.match(text) and rng.random() < 0.3:
            n = text.strip()
            td.string = rng.choice([f"{n}件", f" {n} ", n.translate(str.maketrans("0123456789.", "０１２３４５６７８９．")),
                                    f"{n}*", f"{n}（含转办1件）"])


def traditional(soup, rng: random.Random) -> None:
    """The whole page in Traditional characters, as mirrors serve it."""
    for s in soup.find_all(string=True):
        if s.strip() and not isinstance(s, Comment):
            s.replace_with(_TO_TRADITIONAL.convert(str(s)))


def spaced_labels(soup, rng: random.Random) -> None:
    """Labels with spaces between characters (Word's justified cells): 予 以 公 开."""
    for td in soup.find_all("td"):
        text = td.get_text()
        if td.find("table"):
            continue
        if 2 <= len(text.strip()) <= 8 and not _NUMBER.match(text) and rng.random() < 0.5:
            td.string = " ".join(text.strip())


def layout_wrapper(soup, rng: random.Random) -> None:
    """The article inside a one-cell layout table."""
    body = soup.body or soup
    wrapper = soup.new_tag("table")
    tr, td = soup.new_tag("tr"), soup.new_tag("td")
    wrapper.append(tr)
    tr.append(td)
    for child in list(body.children):
        td.append(child.extract())
    body.append(wrapper)


def paragraphs_in_cells(soup, rng: random.Random) -> None:
    """Word's paste: every cell's text inside <p><span>, some split over two <p>."""
    for td in soup.find_all("td"):
        text = td.get_text().strip()
        if not text or td.find("table"):
            continue
        td.clear()
        parts = [text] if len(text) < 6 or rng.random() < 0.7 else [text[:len(text) // 2], text[len(text) // 2:]]
        for part in parts:
            p, span = soup.new_tag("p"), soup.new_tag("span")
            span.string = part
            p.append(span)
            td.append(p)


def moved_rows(soup, rng: random.Random) -> None:
    """四、结转下年度继续办理 printed before （七）总计 (rows in another order), where no merged label covers them."""
    rows = [tr for tr in soup.find_all("tr") if not tr.find("table")]
    total = next((tr for tr in rows if "总计" in tr.get_text() and "七" in tr.get_text()), None)
    forward = next((tr for tr in rows if "结转下年度" in tr.get_text()), None)
    if total is None or forward is None or total.parent is not forward.parent:
        return
    siblings = [tr for tr in total.parent.find_all("tr", recursive=False)]
    at = siblings.index(total)
    if any(i + int(td.get("rowspan", 1) or 1) > at for i, tr in enumerate(siblings[:at])
           for td in tr.find_all(["td", "th"], recursive=False)):
        return  # a label merged down over the 总计 row: moving a row under it would change the table's grid
    total.insert_before(forward.extract())


def fee_in_yuan(soup, rng: random.Random) -> None:
    """The fee column headed （单位：元） and printed in yuan instead of 万元."""
    head = next((td for td in soup.find_all("td") if "收费金额" in td.get_text() and "万元" in td.get_text()
                 and not td.find("table")), None)
    fee = next((tr for tr in soup.find_all("tr") if "行政事业性收费" in tr.get_text() and not tr.find("table")), None)
    cells = [td for td in fee.find_all("td") if _NUMBER.match(td.get_text())] if fee is not None else []
    if head is not None and len(cells) == 1:
        head.string = head.get_text().replace("万元", "元")
        cells[0].string = f"{float(cells[0].get_text()) * 10000:.2f}"


def last_year_quoted(soup, rng: random.Random) -> None:
    """Last year's section 三 table, with other figures, quoted before this year's under a caption (this
    year's captioned too, or not)."""
    table = next((t for t in data_tables(soup) if "本年新收" in t.get_text()), None)
    if table is None:
        return
    old = copy.copy(table)
    for td in old.find_all("td"):
        if _NUMBER.match(td.get_text()):
            td.string = str(int(float(td.get_text())) + rng.randint(1, 9))
    caption = soup.new_tag("p")
    caption.string = rng.choice(["上年度（2022年）情况对比：", "附：上年度收到和处理政府信息公开申请情况"])
    table.insert_before(caption)
    caption.insert_after(old)
    if rng.random() < 0.5:  # this year's table captioned too, or following straight on
        now = soup.new_tag("p")
        now.string = "本年度情况："
        old.insert_after(now)


DAMAGE = {"ghost_column": ghost_column, "page_break": page_break, "annotate": annotate,
          "traditional": traditional, "spaced_labels": spaced_labels, "layout_wrapper": layout_wrapper,
          "paragraphs_in_cells": paragraphs_in_cells, "moved_rows": moved_rows, "fee_in_yuan": fee_in_yuan,
          "last_year_quoted": last_year_quoted, "big5": lambda soup, rng: None}  # big5: the bytes, see encode()


FORMS = ["pipes", "blank_lines", "lone_pipes", "pipe_rows", "pdf_text"]


def encode(soup, kinds) -> bytes:
    """The damaged page's bytes: UTF-8, Big5 declared in a meta tag (characters Big5 lacks as &#...;), or a
    text dump of it in one of the FORMS (one cell per line, blank lines, pipe rows)."""
    form = next((k.removeprefix("text:") for k in kinds if k.startswith("text:")), None)
    if form:
        return text_dump(str(soup), form).encode("utf-8")
    if "big5" not in kinds:
        return str(soup).encode("utf-8")
    for meta in soup.find_all("meta"):
        if meta.get("charset") or "charset" in (meta.get("content") or ""):
            meta.decompose()
    head = soup.head or soup
    meta = soup.new_tag("meta", charset="big5")
    head.insert(0, meta)
    return str(soup).encode("big5", errors="xmlcharrefreplace")


def score(parsed, gold: dict) -> tuple[int, int, list[str]]:
    right = total = 0
    misses = []
    for dataset, keys in KEYS.items():
        want = {tuple(r[k] for k in keys): r["value"] for r in gold.get(dataset, [])}
        got = {tuple(r[k] for k in keys): r["value"] for r in getattr(parsed, dataset)} if parsed else {}
        for k, v in want.items():
            total += 1
            if got.get(k) is not None and abs(got[k] - v) < 1e-6:
                right += 1
            else:
                misses.append(f"{dataset}{k}: {got.get(k)} != {v}")
    return right, total, misses


def _form_reads_whole(path: Path, form: str) -> bool:
    """Whether the undamaged page, flattened to this text form, still reads every cell (blank_lines and
    pdf_text drop blank cells: where no total can place the figures left, the dump itself lost them)."""
    gold = json.loads(path.with_name(path.name.replace(".html", ".gold.json")).read_text(encoding="utf-8"))
    r, t, _ = score(parse_report(text_dump(path.read_bytes(), form).encode("utf-8"), path.as_uri()), gold)
    return r == t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40, help="damaged pages per real page")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--text", action=argparse.BooleanOptionalAction, default=True,
                    help="flatten 40%% of the damaged pages to text dumps")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    right = total = pages_whole = pages = 0
    kept = [0, 0]  # cells right / cells, on pages whose text form, undamaged, reads whole (keeps every cell's place)
    lossless = {(path, form): _form_reads_whole(path, form) for path in PAGES for form in FORMS}
    by_kind: dict[str, list[int]] = {k: [0, 0] for k in DAMAGE}
    for path in PAGES:
        gold = json.loads(path.with_name(path.name.replace(".html", ".gold.json")).read_text(encoding="utf-8"))
        html = decode_bytes(path.read_bytes())
        for _ in range(args.rounds):
            kinds = rng.sample(sorted(DAMAGE), rng.randint(2, 4))
            if args.text and rng.random() < 0.4:  # the damaged page flattened to text, as dumps circulate
                kinds = [k for k in kinds if k != "big5"] + [f"text:{rng.choice(FORMS)}"]
            soup = BeautifulSoup(html, "lxml")
            for kind in kinds:
                DAMAGE.get(kind, lambda soup, rng: None)(soup, rng)
            try:
                parsed = parse_report(encode(soup, kinds), path.as_uri())
            except NotAReportError:
                parsed = None
            r, t, misses = score(parsed, gold)
            right, total, pages = right + r, total + t, pages + 1
            form = next((k.removeprefix("text:") for k in kinds if k.startswith("text:")), None)
            if form is None or lossless[(path, form)]:
                kept[0], kept[1] = kept[0] + r, kept[1] + t
            pages_whole += r == t
            for kind in kinds:
                counts = by_kind.setdefault(kind, [0, 0])
                counts[0] += r
                counts[1] += t
            if misses and args.verbose:
                print(f"{path.name} {kinds}: {r}/{t}; {misses[:3]}")
    print(f"damage on real tables: {pages} pages ({len(PAGES)} real reports x {args.rounds}, 2-4 kinds each, "
          f"{'40% flattened to text, ' if args.text else ''}seed {args.seed})")
    print(f"  cells right {right:,}/{total:,} ({right / total:.2%}); pages read whole {pages_whole}/{pages}")
    lossy = sorted(f"{path.name} as {form}" for (path, form), whole in lossless.items() if not whole)
    print(f"  cells right where the text form keeps every cell's place {kept[0]:,}/{kept[1]:,} "
          f"({kept[0] / max(1, kept[1]):.2%}); forms that lose blank cells' places, undamaged: {', '.join(lossy)}")
    for kind, (r, t) in by_kind.items():
        print(f"  with {kind:20} {r / max(1, t):.2%}")


if __name__ == "__main__":
    main()
