"""Legacy (2008-2018) narrative reports in many wordings, for tests of phrase families rather than pages.

Each metric is stated in one of several ways real reports use (positive figures, statements of zero, a
figure stated under its section heading without naming the metric), inside longer sentences, with decoys
before and after it: last year's figure, a cumulative total, a part, a channel or a topic breakdown, a
hotline's figures, a statement of no inquiries. A page may come in Traditional characters, and as one line
(a report whose line breaks a mirror dropped). ``legacy_page(seed)`` returns the page and the figures a
careful reader takes from it.
"""

from __future__ import annotations

import random

from opencc import OpenCC

PUBLISHERS = ["张掖市人民政府", "高台县人民政府办公室", "甘州区教育局", "壶镇镇人民政府", "平潭综合实验区地方税务局"]


def _proactive(r: random.Random, n: int, year: int) -> list[str]:
    topic, web = r.randint(1, max(1, n // 3)), r.randint(n + 1, n * 3)
    decoys_before = [f"截至{year}年底，累计主动公开政府信息{n * 7}条。",
                     f"全年在重点领域公开信息{topic}条。",
                     f"门户网站发布各类信息{web}条，微博微信公开信息{r.randint(1, n)}条。",
                     f"{year - 1}年主动公开政府信息{n + 11}条。"]
    stated = r.choice([f"{year}年，全年共主动公开政府信息{n}条",
                       f"本年度我单位主动公开各类政府信息{n}条",
                       f"全年累计主动公开政府信息共计{n}条",
                       f"{year}年度共主动公开政府信息{n}条，全文电子化率达100%"])
    after = r.choice(["", f"，其中工作动态类信息{r.randint(1, max(1, n // 2))}条",
                      f"，在主动公开的信息中，财政预决算信息{r.randint(1, max(1, n // 4))}条"])
    return r.sample(decoys_before, r.randint(0, 2)) + [stated + after + "。"]


def _applications(r: random.Random, f: dict, year: int) -> tuple[list[str], dict]:
    """The 依申请公开 section's sentences and the figures they state."""
    received = f["applications_received"]
    if received == 0:
        zero = r.choice([f"{year}年未收到政府信息公开申请。", f"{year}年度没有依申请公开信息的情况。",
                         "全年依申请公开数0件。", "本年度无依申请公开政府信息事项。",
                         "全年没有公民、法人和其他组织提出政府信息公开申请。"])
        return [zero], {"applications_received": 0}
    granted, partial, withheld = f["granted"], f["partially_granted"], f["withheld"]
    out = [r.choice(["", f"上年度共受理政府信息公开申请{received + 9}件。"])]
    out.append(r.choice([f"{year}年共受理政府信息公开申请{received}件",
                         f"{year}年，共收到公民、法人和其他组织提出的政府信息公开申请{received}件",
                         f"{year}年共受理{received}件",  # under the section heading: no 申请 in the sentence
                         f"全年依申请公开数{received}件"]))
    answered = r.choice([f"，已办结{received}件。", f"。已答复{received}件，按时办结率100%。",
                         f"。在已答复的{received}件申请中，"])
    out[-1] += answered
    breakdown = f"同意公开{granted}件，同意部分公开{partial}件，不予公开{withheld}件。"
    if answered.endswith("中，"):
        out[-1] += breakdown
    else:
        out.append("其中" + breakdown)
    return [s for s in out if s], {"applications_received": received, "applications_answered": received,
                                   "granted": granted, "partially_granted": partial, "withheld": withheld}


def _fees(r: random.Random) -> str:
    return r.choice(["全年未收取检索、复印、邮寄等费用。", "没有向申请人收取任何费用。",
                     "本年度没有公民、法人和其他组织的政府信息公开收费和减免情况。", "收取检索、复制费用0元。"])


def _reviews(r: random.Random, reviews: int) -> tuple[str, dict]:
    if reviews == 0:
        return r.choice(["未发生因政府信息公开引起的行政复议和行政诉讼。",
                         "全年未接到有关政府信息公开方面的复议、诉讼和申诉。",
                         "本年度没有发生针对本机关的行政复议、行政诉讼案件。"]), \
            {"administrative_reviews": 0, "lawsuits": 0}
    return r.choice([f"全年因政府信息公开引起的行政复议共计{reviews}件，未发生行政诉讼。",
                     f"本年度有关政府信息公开的行政复议案共{reviews}起，没有行政诉讼。"]), \
        {"administrative_reviews": reviews, "lawsuits": 0}


def _consultations(r: random.Random, n: int) -> tuple[list[str], dict]:
    """The inquiries section: its heading (or a sub-heading under another) and what it says. Under a heading
    about inquiries, what the site received counts them without the word 咨询 (收到…留言76条)."""
    heading = r.choice([["四、政府信息公开咨询处理情况"], ["四、咨询处理情况"], ["四、接受咨询服务情况"],
                        ["四、其他工作情况", "（二）门户网站接受咨询服务情况"],
                        ["四、公众参与情况", "（一）政府信息公开咨询情况"]])
    hotline = f"依托12345热线，共收到咨询投诉件{r.randint(1000, 20000)}件。"
    if n == 0:
        said = r.choice(["全年未收到任何形式的有关信息公开方面的咨询。", "未收到依申请公开信息的咨询。",
                         "本年度没有接到政府信息公开方面的咨询。"])
        return heading + [said], {"consultations": 0}
    said = r.choice([f"全年共接受公众咨询{n}人次。", f"接受政府信息公开咨询{n}人次。",
                     f"政府门户网站共收到“县长信箱”留言{n}条，答复{n}条，答复率100%。",
                     f"全年共受理群众来电来访{n}人次。", f"通过门户网站接受在线咨询{n}次。"])
    return heading + [r.choice(["", hotline]) + said], {"consultations": n}


# Legacy statistics tables: the header arrangements and each metric's row labels real tables use.
_TABLE_HEADS = (["序号", "统计指标", "计量单位", "数值"], ["统计指标", "单位", "统计数"], ["指标名称", "计量单位", "{year}年度"])
_ROW_LABELS = {
    "proactive_items": ["主动公开政府信息", "主动公开政府信息数", "主动公开信息"],
    "applications_received": ["受理政府信息公开申请", "政府信息公开申请数", "依申请公开数", "受理依申请公开信息总数",
                              "依申请公开信息总数", "受理申请总数"],
    "applications_answered": ["已答复申请", "对申请的答复总数", "办结数"],
    "granted": ["其中：同意公开", "同意公开答复数"],
    "partially_granted": ["部分公开", "同意部分公开答复数"],
    "withheld": ["不予公开", "不同意公开答复数"],
    "consultations": ["接受政府信息公开咨询", "咨询人次"],
    "fees_yuan": ["依申请公开收取费用", "收取的费用"],
    "administrative_reviews": ["行政复议", "行政复议数"],
    "lawsuits": ["行政诉讼", "行政诉讼数"],
}


def _table(r: random.Random, want: dict, year: int) -> list[str]:
    """A legacy statistics table of the figures, as pipe rows. Proactive disclosure may be in 万条 to two
    decimals: the table's figure then differs from the narrative's count, and the table's is the report's."""
    head = [h.format(year=year) for h in r.choice(_TABLE_HEADS)]
    numbered = head[0] == "序号"
    rows = []
    for metric, value in want.items():
        unit = "人次" if metric == "consultations" else "元" if metric == "fees_yuan" else "件"
        shown = f"{value:g}"
        if metric == "proactive_items":
            unit = "条"
            if r.random() < 0.5:
                unit, shown = "万条", f"{value / 1e4:.2f}"
                want[metric] = round(float(shown) * 1e4, 6)
        cells = [r.choice(_ROW_LABELS[metric]), unit, shown]
        rows.append(([str(len(rows) + 1)] if numbered else []) + cells)
    return [f"附表：{year}年政府信息公开工作统计表"] + [" | ".join(row) + " |" for row in [head] + rows]


def legacy_page(seed: int) -> tuple[str, dict, int]:
    """(page text, the figures it states, its year) for one seed."""
    r = random.Random(seed)
    year = r.randint(2008, 2018)
    received = r.choice([0, r.randint(1, 200)])
    granted = r.randint(0, received)
    partial = r.randint(0, received - granted)
    f = {"proactive_items": r.randint(20, 9000), "applications_received": received, "granted": granted,
         "partially_granted": partial, "withheld": received - granted - partial}
    want = {"proactive_items": f["proactive_items"]}
    apps, got = _applications(r, f, year)
    want.update(got)
    reviews_text, got = _reviews(r, r.choice([0, 0, 1, 3]))
    want.update(got)
    consultations, got = _consultations(r, r.choice([0, r.randint(5, 3000)]))
    want.update(got)
    fees = _fees(r)
    want["fees_yuan"] = 0
    publisher = r.choice(PUBLISHERS)
    title = f"{publisher}{year}年政府信息公开工作年度报告"
    sections = [
        ["本报告根据《中华人民共和国政府信息公开条例》要求编制。全文包括概述、主动公开政府信息情况、依申请公开政府信息"
         "情况、政府信息公开的收费及减免情况、因政府信息公开申请行政复议和提起行政诉讼的情况。"],
        ["一、概述", f"{year}年，我单位认真贯彻落实《条例》，全年召开专题会议{r.randint(1, 9)}次。"],
        ["二、主动公开政府信息情况", *_proactive(r, f["proactive_items"], year)],
        ["三、依申请公开政府信息情况", *apps],
        consultations,
        ["五、政府信息公开的收费及减免情况", fees],
        ["六、因政府信息公开申请行政复议、提起行政诉讼的情况", reviews_text],
        ["七、存在的主要问题和改进措施", "工作仍有不足，下一步将进一步规范。"],
    ]
    lines = [title] + [s for sec in sections for s in sec]
    text = ("\n" if r.random() < 0.7 else " ").join(lines)  # a third of pages come as one line
    if r.random() < 0.35:  # a statistics table after the narrative: its figures are the report's
        text += "\n" + "\n".join(_table(r, want, year))
    if r.random() < 0.3:
        text = OpenCC("s2t").convert(text)
    return text, want, year
