"""Reading the store with the right types.

Plain hive readers infer the partition keys from directory names (pandas
shows year and region as categoricals of int32, DuckDB and polars as
integers). These helpers declare them instead: year int16, region a string.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from nianbao.store.fs import is_uri, storage
from nianbao.store.schemas import DATASETS, SCHEMAS


class NotAStore(FileNotFoundError):
    """The path holds no nianbao store (a mistyped root): readers say so instead of answering with nothing."""


def require_store(root: str | Path) -> None:
    """Raise NotAStore, in one line, unless ``root`` holds a store: a dataset folder, or the store log.
    Only writers (crawl, parse --out) create a store; everything else reads one that exists."""
    if is_uri(root):
        return  # an object store has no folders to look at cheaply; its readers say what they find
    path = Path(root)
    if path.is_dir() and any((path / name).is_dir() for name in (*DATASETS, "_log")):
        return
    why = "does not exist" if not path.exists() else "is not a directory" if not path.is_dir() else \
        "holds no nianbao datasets"
    raise NotAStore(f"{root}: {why}, so it is no nianbao store (check the path; `nianbao crawl` or "
                    "`nianbao parse … --out` create one)")


PARTITIONING = ds.partitioning(pa.schema([("year", pa.int16()), ("region", pa.string())]), flavor="hive")


def dataset(root: str | Path, name: str) -> ds.Dataset:
    """A dataset of a local or object-store root, with typed partition keys."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; the datasets are {', '.join(DATASETS)}")
    store = storage(root)
    schema = pa.schema(list(SCHEMAS[name]) + [pa.field("year", pa.int16()), pa.field("region", pa.string())])
    files = [store.path(rel) for rel in store.glob(f"{name}/year=*/region=*/*.parquet")]
    return ds.dataset(files, filesystem=store.filesystem, format="parquet", schema=schema,
                      partitioning=PARTITIONING, partition_base_dir=store.path(name))


def read_dataset(root: str | Path, name: str, filter=None):
    """A dataset as a pandas DataFrame (year int16, codes as strings)."""
    return dataset(root, name).to_table(filter=filter).to_pandas()


VIEWS = {
    # every check that failed, with who published the report
    "failed_checks": """SELECT c.report_id, r.publisher, r.publisher_id, c.year, c.region, c."check", c.subject,
                               c.expected, c.actual AS got
                        FROM checks c JOIN reports r USING (report_id) WHERE NOT c.passed""",
    # per report: the section 三 totals and each outcome's share of what was handled (derived totals included)
    # (one row per report, with its admin_level: sum them within one level to compare like with like)
    "application_outcomes": """SELECT a.report_id, a.year, a.region, r.publisher, r.publisher_id, r.admin_level,
            max(a.value) FILTER (WHERE a.outcome = 'received') AS received,
            max(a.value) FILTER (WHERE a.outcome = 'total_handled') AS total_handled,
            max(a.value) FILTER (WHERE a.outcome = 'granted') AS granted,
            max(a.value) FILTER (WHERE a.outcome = 'partially_granted') AS partially_granted,
            sum(a.value) FILTER (WHERE a.outcome LIKE 'withheld%') AS withheld,
            max(a.value) FILTER (WHERE a.outcome = 'granted')
                / nullif(max(a.value) FILTER (WHERE a.outcome = 'total_handled'), 0) AS granted_share,
            bool_or(a.derived) AS any_derived
        FROM applications a JOIN reports r USING (report_id)
        WHERE a.applicant = 'total' GROUP BY ALL""",
}


def duckdb_connection(root: str | Path, confined: bool = False):
    """A DuckDB connection with one view per dataset present in the store, the reference tables (codes,
    regions) and the question views (failed_checks, application_outcomes).

    ``confined``: the connection reads files inside the store and nowhere else (no other file, no ATTACH,
    no extension install), and its configuration is locked so a query cannot lift that. ``nianbao sql``
    runs confined; it also refuses every statement but a query, so nothing is written either."""
    import duckdb

    if is_uri(root):
        raise ValueError(f"{root}: nianbao sql reads local stores (DuckDB's httpfs extension is not bundled); "
                         "copy the store locally or read it with store.read.read_dataset")
    con = duckdb.connect()
    for name in DATASETS:
        if (Path(root) / name).exists() and any((Path(root) / name).glob("year=*/region=*/*.parquet")):
            glob = str(Path(root) / name / "**" / "*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
                        "hive_types = {'year': 'SMALLINT', 'region': 'VARCHAR'})")
    from nianbao.store.reference import codes_table, regions_table

    con.register("codes", codes_table())
    con.register("regions", regions_table())
    present = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    for name, sql in VIEWS.items():
        if {"reports", "checks" if name == "failed_checks" else "applications"} <= present:
            con.execute(f"CREATE VIEW {name} AS {sql}")
    if confined:
        store_dir = (str(Path(root).resolve()).rstrip("/") + "/").replace("'", "''")
        con.execute(f"SET allowed_directories = ['{store_dir}']")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    return con


def load(root: str | Path, dataset: str, years=None, provinces=None, labels: bool = False):
    """One dataset as a typed pandas DataFrame (year int16, region a string), reading only what is asked for.

    ``years``: a year or a list; ``provinces``: province codes ("440000") or names ("广东省", "广东"), one or a
    list. The filters are pushed down to the partitions, so other provinces' and years' files are not read.
    ``labels=True`` adds the Chinese and English label of every code column (``outcome_zh``, ``outcome_en`` …)
    and the province's name (``province_name``). A path that holds no store raises NotAStore.
    """
    import pyarrow.compute as pc

    require_store(root)

    from nianbao.store.reference import codes_table, regions_table

    flt = None
    if years is not None:
        years = [years] if isinstance(years, int) else list(years)
        flt = pc.field("year").isin(years)
    if provinces is not None:
        codes = _province_codes([provinces] if isinstance(provinces, str) else list(provinces))
        cond = pc.field("region").isin(codes)
        flt = cond if flt is None else flt & cond
    df = read_dataset(root, dataset, filter=flt)
    if labels:
        names = regions_table().to_pandas().set_index("adcode")["name"]
        df["province_name"] = df["region"].map(names)
        codes = codes_table().to_pandas()
        for column in codes.loc[codes.dataset == dataset, "column"].unique():
            latest = codes[(codes.dataset == dataset) & (codes.column == column)].drop_duplicates("code", keep="last")
            df[f"{column}_zh"] = df[column].map(latest.set_index("code")["label_zh"])
            df[f"{column}_en"] = df[column].map(latest.set_index("code")["label_en"])
    return df


def _province_codes(given: list[str]) -> list[str]:
    from nianbao.transforms.regions import regions, short_name

    provinces = {r.adcode: r for r in regions().values() if r.level == "province" and r.status == "current"}
    out = []
    for p in given:
        p = str(p).strip()
        code = p if p in provinces else next((c for c, r in provinces.items() if p in (r.name, short_name(r.name))),
                                             None)
        if code is None:
            raise ValueError(f"{p!r} is not a province code or name (e.g. 440000, 广东省, 广东)")
        out.append(code)
    return out
