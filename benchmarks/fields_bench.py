"""Report fields on ordinary pages from publishers all over the country: year, era, publisher, adcode,
region, spam flag and failed checks, against what each generated page was written for.

Publishers are drawn from the region table (every current prefecture and county is a candidate): a
government (X人民政府), its office, or one of its departments, named as pages name them. A county name
that several provinces share is printed with its parent city, as such pages do; a name that stays
ambiguous even then is skipped. `python -m benchmarks.fields_bench [--pages 300] [--seed 7]`
"""

from __future__ import annotations

import argparse
import random

from nianbao.sample_portal.pages import Report, render
from nianbao.transforms.regions import regions
from nianbao.transforms.report import parse_report

DEPARTMENTS = ["教育局", "财政局", "农业农村局", "自然资源局", "生态环境局", "卫生健康委员会", "审计局", "人民政府办公室",
               "市场监督管理局", "交通运输局", "应急管理局", "民政局"]
FIELDS = ("year", "era", "publisher", "adcode", "region", "spam_suspected", "checks_failed")


def publishers(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    """(publisher as printed, adcode, province adcode) for n random current prefectures and counties."""
    provinces = {r.name for r in regions().values() if r.level == "province"}
    current = [r for r in regions().values() if r.status == "current" and r.level in ("prefecture", "county")
               and r.name not in provinces]  # 北京市 the municipality is its province-level code
    names: dict[str, int] = {}
    for r in current:
        names[r.name] = names.get(r.name, 0) + 1
    out = []
    while len(out) < n:
        r = rng.choice(current)
        place = r.name
        if names[r.name] > 1:  # 朝阳区 is in 北京 and in 长春: pages name the city too
            parent = regions().get(r.adcode[:4] + "00")
            if parent is None or parent.level != "prefecture":
                continue
            place = parent.name + r.name
        body = rng.choice(["人民政府"] * 3 + DEPARTMENTS)
        out.append((place + body, r.adcode, r.adcode[:2] + "0000"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    right = {f: 0 for f in FIELDS}
    misses = []
    for publisher, adcode, province in publishers(rng, args.pages):
        year = rng.choice(range(2019, 2026))
        rep = Report(year, publisher=publisher, seed=rng.randint(1, 10**6)).fill()
        got = parse_report(render(rep).encode("utf-8"), "https://www.example.gov.cn/nb.html").report
        want = {"year": year, "era": rep.era, "publisher": publisher, "adcode": adcode, "region": province,
                "spam_suspected": False, "checks_failed": 0}
        for f in FIELDS:
            if got[f] == want[f]:
                right[f] += 1
            else:
                misses.append(f"{publisher} {year}: {f} {got[f]!r} != {want[f]!r}")
    total = args.pages * len(FIELDS)
    print(f"report fields on {args.pages} ordinary pages of publishers all over the country (seed {args.seed}): "
          f"{sum(right.values())}/{total} ({sum(right.values()) / total:.2%})")
    for f in FIELDS:
        print(f"  {f:15} {right[f] / args.pages:.2%}")
    for m in misses[:15]:
        print(f"  miss: {m}")


if __name__ == "__main__":
    main()
