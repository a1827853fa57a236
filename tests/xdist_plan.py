"""How `make test` spreads the suite over parallel pytest-xdist workers (`pytest -n N --dist loadgroup`).

Each worker is its own pytest session with its own Dovecot + Postfix stack (own directory, ports and members) and,
when it runs an sshd test, its own sshd. Tests go to whichever worker is free, one by one, except the files that
use the sshd fixture: they are one group on one worker, so one non-editable venv is installed per run rather than
one per worker. Tests that race on purpose start their racers inside the test, so they still race in one process.

pytest-xdist sends a test's ``xdist_group`` by renaming its node id, which pytest 9.2 no longer allows, so the
group is decided here, in the controller, from the file name.
"""

from __future__ import annotations

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadGroupScheduling

#: The test files whose tests use the (session) sshd fixture; a file missing here still passes, it only builds a venv.
SSHD_FILES = frozenset({"tests/e2e/test_sshd.py", "tests/e2e/test_scopes_sshd.py", "tests/e2e/test_root_safe.py"})


class _SshdTogether(LoadGroupScheduling):
    """loadgroup, plus one group for every test of the sshd files."""

    def _split_scope(self, nodeid: str) -> str:
        return "sshd-files" if nodeid.split("::", 1)[0] in SSHD_FILES else super()._split_scope(nodeid)


class XdistPlan:
    """Plugin (registered by tests/conftest.py when pytest-xdist is installed)."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Producer) -> LoadGroupScheduling | None:
        """Replace loadgroup's scheduler; any other --dist keeps xdist's own."""
        return _SshdTogether(config, log) if config.getvalue("dist") == "loadgroup" else None
