"""Data files shipped with nianbao (region codes, the portal registry, the sample portal).

They are package data (nianbao.data), so an installed wheel finds them as a
checkout does: always through ``data_file``, never a path relative to the
working directory.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def data_file(name: str) -> Path:
    """The path of a bundled data file, e.g. data_file("regions.csv")."""
    return HERE / name
