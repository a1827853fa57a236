"""Start-up without the cyclic garbage collector, and turning it back on for the runs that last.

``python -m agentmail`` (the forced command) turns the collector off before it imports anything: start-up
makes tens of thousands of objects that live until exit (modules, classes, functions, the command table)
and no garbage cycles worth collecting, yet the collector would scan them about forty times before a
listing answers (about 3% of its instructions).  A one-shot command ends soon after, so it never needs
it back; batch, mcp, watch and the reader (after its first frame) do, and call :func:`collect_from_now_on`.
"""

from __future__ import annotations

import gc


def collect_from_now_on() -> None:
    """Turn the collector back on for a long run; what start-up made is set aside (``gc.freeze``), never rescanned.

    A no-op when the collector was never turned off (``agentmail.cli.main`` called in-process, as tests do).
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def skip_final_collection() -> None:
    """Before a one-shot command exits: set what it made aside, so the interpreter's last collection skips it.

    Python runs one full collection when it shuts down, collector off or not; after a listing that walked
    every object start-up made and took about 7 ms, as long as the listing's own FETCH.  A one-shot run
    closes what it opened itself (the IMAP logout, files in ``with`` blocks, state files by descriptor),
    and the modules are still torn down and atexit handlers run as before.  A no-op for the runs that
    turned the collector back on (batch, mcp, watch, the reader).
    """
    if not gc.isenabled():
        gc.freeze()
