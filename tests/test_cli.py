"""The `nianbao parse` command as users and scripts call it."""

import json
import subprocess
import sys

import pytest
from conftest import FIXTURES


def run(*args):
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, text=True, timeout=120)


def test_parse_json_contract_shape():
    r = run("parse", str(FIXTURES / "seeds" / "000_9f5d170e6957ee3e.txt"), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"report", "active_disclosure", "applications", "reviews_litigation", "legacy_metrics",
                        "sections", "checks", "series", "warnings"}
    rep = out["report"]
    assert rep["year"] == 2020 and rep["era"] == "2019" and rep["adcode"] == "620700"
    assert rep["spam_suspected"] is True
    assert len(rep["report_id"]) == 16
    assert rep["source_url"].startswith("file://")
    assert set(out["applications"][0]) == {"outcome", "applicant", "value", "raw", "derived"}
    assert [s["section_no"] for s in out["sections"]] == [1, 2, 3, 4, 5, 6]


def test_options_override_the_page():
    page = FIXTURES / "real" / "pingtan_2025.html"
    r = run("parse", str(page), "--publisher", "平潭综合实验区管委会", "--adcode", "350128", "--year", "2025", "--json")
    rep = json.loads(r.stdout)["report"]
    assert rep["publisher"] == "平潭综合实验区管委会"
    assert rep["adcode"] == "350128" and rep["region"] == "350000"


def test_human_summary():
    r = run("parse", str(FIXTURES / "real" / "sh_bgt_2019.html"))
    assert r.returncode == 0
    assert "era 2019" in r.stdout and "上海市人民政府办公厅" in r.stdout
    # the published 总计 column is blank on 11 rows: derived from the applicant cells, so no check fails
    assert "applications" in r.stdout and "0 failed" in r.stdout


@pytest.mark.parametrize("name,content", [
    ("empty.html", b""),
    ("garbage.bin", bytes(range(256)) * 64),
    ("notice.html", "<html><body><p>关于召开会议的通知</p></body></html>".encode()),
    ("hostile.html", b"<table>" + b"<tr><td rowspan=999999 colspan=999999>x</td></tr>" * 50 + b"</table>"),
    ("deep.html", b"<div>" * 100000 + b"x" + b"</div>" * 100000),
])
def test_bad_input_exits_2_with_one_line(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    r = run("parse", str(p), "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(p) in lines[0], r.stderr
    assert "Traceback" not in r.stderr


def test_missing_path():
    r = run("parse", "/no/such/report.html", "--json")
    assert r.returncode == 2
    assert r.stderr.strip() == "nianbao parse: /no/such/report.html: no such file"


def test_bad_adcode():
    r = run("parse", str(FIXTURES / "real" / "sh_bgt_2019.html"), "--adcode", "31", "--json")
    assert r.returncode == 2 and "--adcode" in r.stderr


def test_parse_a_url_through_the_polite_client():
    from nianbao.sample_portal.server import SamplePortal

    with SamplePortal() as sp:
        r = run("parse", sp.url + "/api/gtx/art/2022.html", "--json")
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)["report"]
        assert rep["source_url"] == sp.url + "/api/gtx/art/2022.html"
        assert rep["publisher"] == "高台县人民政府" and rep["year"] == 2022
        r = run("parse", sp.url + "/static/private/2022.html", "--json")  # robots.txt says no
        assert r.returncode == 2 and "robots_disallowed" in r.stderr
        r = run("parse", sp.url + "/no/such/page.html", "--json")
        assert r.returncode == 2 and "HTTP 404" in r.stderr
        assert [x.path for x in sp.log].count("/robots.txt") == 3


def test_docx_bomb_and_broken_zip(tmp_path):
    import zipfile
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<" + b" " * (60 * 1024 * 1024) + b"/>")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    for p in (bomb, broken):
        r = run("parse", str(p), "--json")
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_huge_files_fifos_and_devices_are_refused_before_reading(tmp_path):
    import os

    sparse = tmp_path / "huge.html"
    with open(sparse, "wb") as f:
        f.truncate(3 * 1024**3)  # 3 GiB on paper, no disk used: refused by size, never read
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    for path, needle in ((sparse, "MB limit"), (fifo, "not a regular file"), ("/dev/zero", "not a regular file")):
        r = run("parse", str(path), "--json")
        assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_version_and_module_entry_point():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("nianbao ")


def test_a_docx_whose_headers_lie_about_sizes_is_capped_by_the_bytes_inflated(tmp_path):
    import io
    import struct
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>")
    data = bytearray(buf.getvalue())
    lie = struct.pack("<I", 100)  # both headers claim 100 bytes unpacked
    data[22:26] = lie
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = lie
    path = tmp_path / "lying.docx"
    path.write_bytes(bytes(data))
    r = run("parse", str(path), "--json")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
