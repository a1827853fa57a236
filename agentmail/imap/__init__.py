"""The IMAP adapter: the only importer of imapclient."""

from __future__ import annotations

import os
import re
import sys
import types
from importlib.machinery import PathFinder

_DIST_INFO = re.compile(r"imapclient-(\d+)\.(\d+)\.(\d+)\.dist-info", re.IGNORECASE)


def _preset_imapclient_version() -> None:
    """Spare every command imapclient's own version lookup (about 10 ms of a 100 ms start-up).

    ``imapclient/__init__`` asks ``importlib.metadata`` for its version, which imports the
    metadata machinery (zipfile, csv, email) and scans sys.path, only to set
    ``imapclient.__version__``, which nothing reads.  The same number is in the name of the
    installed ``imapclient-X.Y.Z.dist-info`` beside the package; when it is there,
    ``imapclient.version`` is given that, and otherwise imapclient looks it up as usual.
    """
    if "imapclient" in sys.modules or "imapclient.version" in sys.modules:
        return
    spec = PathFinder.find_spec("imapclient")
    if spec is None or not spec.submodule_search_locations:
        return
    package_dir = next(iter(spec.submodule_search_locations))
    try:
        names = os.listdir(os.path.dirname(package_dir))
    except OSError:
        return
    found = [m for m in map(_DIST_INFO.fullmatch, names) if m]
    if len(found) != 1:
        return  # none (an egg or a source tree) or several: let imapclient decide
    major, minor, micro = (int(part) for part in found[0].groups())
    module = types.ModuleType("imapclient.version")
    module.version = f"{major}.{minor}.{micro}"  # type: ignore[attr-defined]
    module.version_info = (major, minor, micro, "final")  # type: ignore[attr-defined]
    sys.modules["imapclient.version"] = module


_preset_imapclient_version()
