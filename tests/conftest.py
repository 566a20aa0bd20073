import csv
import json
import socket
import uuid
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (numbered from 1, the first the catalog), with a correct xref table."""
    parts, offsets, at = [b"%PDF-1.4\n"], [], 9
    for i, body in enumerate(objects, 1):
        offsets.append(at)
        parts.append(b"%d 0 obj\n" % i + body + b"\nendobj\n")
        at += len(parts[-1])
    parts.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    parts += [b"%010d 00000 n \n" % o for o in offsets]
    parts.append(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, at))
    return b"".join(parts)


def gold_cases():
    """(page path, gold dict) for the seed and every real sample that has a gold file."""
    cases = [(FIXTURES / "seeds" / "000_9f5d170e6957ee3e.txt", FIXTURES / "seeds" / "seed_000.gold.json")]
    for g in sorted((FIXTURES / "real").glob("*.gold.json")):
        stem = g.name.removesuffix(".gold.json")
        page = next(p for p in (FIXTURES / "real").glob(stem + ".*") if not p.name.endswith(".gold.json"))
        cases.append((page, g))
    return [(p, json.loads(g.read_text(encoding="utf-8"))) for p, g in cases]


def options_from_args(args: list[str]) -> dict:
    """Gold files give CLI args (--publisher X --adcode Y); turn them into parse_report keywords."""
    from benchmarks.gold_score import options

    return options(args)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def harness():
    """Prefect's test harness (a temporary API and database), started once per test session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def registry_file(sp, path: Path, delay: float = 0.02) -> Path:
    """A registry CSV pointing at a running sample portal."""
    from nianbao.sample_portal.server import registry_rows

    rows = registry_rows(sp.url, delay=delay)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def s3(monkeypatch):
    """An S3 bucket on a local moto server; yields the store root URI."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for k, v in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    bucket = f"nianbao-{uuid.uuid4().hex[:12]}"  # moto keeps buckets for the whole process: one per test
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    yield f"s3://{bucket}/store"
    server.stop()
