"""nianbao: China's government information-disclosure annual reports (政府信息公开工作年度报告) as clean data.

The code lives in the repository's top-level folders (flows/, extractors/,
transforms/, store/, sample_portal/, data/) and is installed under this one
namespace: nianbao.flows, nianbao.extractors, nianbao.transforms, … so it
never collides with a user's own modules of those names.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nianbao")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"


def load(root, dataset, years=None, provinces=None, labels=False):
    """A dataset of a store as a typed DataFrame: see nianbao.store.read.load (imported here on first use, so
    `import nianbao` stays light)."""
    from nianbao.store.read import load as _load

    return _load(root, dataset, years=years, provinces=provinces, labels=labels)
