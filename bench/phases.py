"""Where start-up goes: one whole process that times its own interpreter start, imports, login and first FETCH.

``python bench/phases.py MODE SPAWNED FOLDER [HOST PORT LOGIN PASSWORD]`` prints one JSON object of seconds.
SPAWNED is ``time.time()`` just before the process was started, so ``interpreter`` is spawn to first line
(fork, exec, the interpreter and site).  The modes do, step by step, what the measured programs do:

* ``list``: the modules ``agentmail --json list`` loads, the login, then the newest 50 (SELECT, SEARCH,
  FETCH) and the JSON answer;
* ``tui``: the modules of the reader in the order ``tui/start.py`` loads them: the opening thread's (up
  to the IMAP layer), the rest of the service (the UI thread, during the login), then urwid and the
  screens (the UI thread, during the SELECT and FETCH); then the login and the first page (SELECT and
  the newest 50 rows by sequence number, without sizes; the whole uid list comes after the first draw).
  In the reader the imports after the first overlap the network waits;
* ``floor``: ``bench/floor.py list`` with the same split (imaplib, LOGIN, EXAMINE + FETCH).

It reads the member's settings from the environment, like agentmail.
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.time()


def _since(mark: float) -> float:
    return time.perf_counter() - mark


def agentmail_list(folder: str) -> dict[str, float]:
    out: dict[str, float] = {}
    mark = time.perf_counter()
    import agentmail.cli  # noqa: F401 -- what `python -m agentmail` imports first
    from agentmail.agent import run
    from agentmail.config import load_settings
    from agentmail.identity import member_for
    from agentmail.model import to_json
    from agentmail.service.mailbox import Mailbox

    out["imports"] = _since(mark)
    import os

    settings = load_settings(os.environ)
    member = member_for(os.environ["AGENTMAIL_MEMBER"], settings)
    mark = time.perf_counter()
    mailbox = Mailbox(settings, member, read_only=True)
    mailbox.open()
    out["login"] = _since(mark)
    mark = time.perf_counter()
    page = mailbox.list(folder, limit=50)
    out["first FETCH"] = _since(mark)
    mark = time.perf_counter()
    run.dumps(run.ok("list", to_json(page)))
    out["answer"] = _since(mark)
    mailbox.close()
    return out


def agentmail_tui(folder: str) -> dict[str, float]:
    out: dict[str, float] = {}
    mark = time.perf_counter()
    import agentmail.cli
    from agentmail.config import load_settings
    from agentmail.identity import member_for
    from agentmail.service.connect import new_session
    from agentmail.tui import start

    out["imports, opening thread"] = _since(mark)
    mark = time.perf_counter()
    start.load_service()
    out["imports, service"] = _since(mark)
    mark = time.perf_counter()
    import agentmail.tui.run  # noqa: F401 -- urwid and the screens

    out["imports, UI thread"] = _since(mark)
    import os

    settings = load_settings(os.environ)
    member = member_for(os.environ["AGENTMAIL_MEMBER"], settings)
    mark = time.perf_counter()
    session = new_session(settings, member)
    session.connect()
    out["login"] = _since(mark)
    mark = time.perf_counter()
    mailbox = start.reader_mailbox(settings, member, read_only=False, session=session)
    mailbox.newest(folder, limit=start.FIRST_ROWS, sizes=False)  # the first page, as tui/start.py asks for it
    out["first FETCH"] = _since(mark)
    mailbox.close()
    return out


def floor_list(folder: str, host: str, port: str, login: str, password: str) -> dict[str, float]:
    out: dict[str, float] = {}
    mark = time.perf_counter()
    import imaplib

    out["imports"] = _since(mark)
    mark = time.perf_counter()
    imap = imaplib.IMAP4(host, int(port))
    imap.login(login, password)
    out["login"] = _since(mark)
    mark = time.perf_counter()
    _, data = imap.select(folder, readonly=True)
    exists = int(data[0] or 0)
    imap.fetch(f"{max(1, exists - 49)}:{max(exists, 1)}", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)")
    out["first FETCH"] = _since(mark)
    imap.logout()
    return out


def main(argv: list[str]) -> int:
    mode, spawned, folder, *rest = argv
    interpreter = STARTED - float(spawned)
    if mode == "list":
        phases = agentmail_list(folder)
    elif mode == "tui":
        phases = agentmail_tui(folder)
    elif mode == "floor":
        phases = floor_list(folder, *rest)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    sys.stdout.write(json.dumps({"interpreter": interpreter, **phases}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
