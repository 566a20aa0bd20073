"""The wheel works outside the repository: code under one `nianbao` namespace, data files packaged."""

import subprocess
import sys
import sysconfig
import venv
import zipfile

import pytest
from conftest import FIXTURES

ROOT = FIXTURES.parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                        str(ROOT)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return next(out.glob("nianbao-*.whl"))


def test_wheel_has_one_namespace_and_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"nianbao"}
    for needed in ("nianbao/data/regions.csv", "nianbao/data/region_aliases.csv", "nianbao/data/portals.csv",
                   "nianbao/data/sample_portal/site.json", "nianbao/transforms/label_maps.csv",
                   "nianbao/transforms/vocabulary.csv", "nianbao/transforms/code_meanings.csv"):
        assert needed in names


def test_installed_wheel_parses_a_real_page_outside_the_repo(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies come from this environment's site-packages (a path, so its .pth files, and with them
    # the editable install of the checkout, are not read); nianbao itself only from the wheel.
    with open(f"{site}/zz_deps.pth", "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", site,
                        str(wheel)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    page = FIXTURES / "real" / "sh_bgt_2019.html"
    run = subprocess.run([str(py), "-m", "nianbao", "parse", str(page), "--json"], cwd=work, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    import json

    rep = json.loads(run.stdout)["report"]
    assert rep["adcode"] == "310000" and rep["year"] == 2019
    version = subprocess.run([str(py), "-m", "nianbao", "--version"], cwd=work, capture_output=True, text=True)
    assert version.stdout.startswith("nianbao 0.")
    where = subprocess.run([str(py), "-c", "import nianbao.transforms, importlib.util as u; "
                            "print(nianbao.transforms.__file__); print(u.find_spec('transforms'))"],
                           cwd=work, capture_output=True, text=True)
    assert where.stdout.splitlines() == [f"{site}/nianbao/transforms/__init__.py", "None"]
    # what the core commands need is a core dependency: the coverage page draws with matplotlib
    meta = zipfile.ZipFile(wheel).read(next(n for n in zipfile.ZipFile(wheel).namelist()
                                            if n.endswith(".dist-info/METADATA"))).decode()
    assert any(line.startswith("Requires-Dist: matplotlib") and "extra ==" not in line for line in meta.splitlines())
    for args in (["parse", str(page), "--out", "store"], ["report", "--root", "store"], ["docs"]):
        run = subprocess.run([str(py), "-m", "nianbao", *args], cwd=work, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, (args, run.stderr[-2000:])
    assert (work / "store" / "_report" / "index.html").stat().st_size > 1000
    assert (work / "DATA_DICTIONARY.md").exists()  # written where the user is, never inside site-packages
    assert not list((env_dir / "lib").rglob("DATA_DICTIONARY.md"))
