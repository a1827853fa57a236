"""``python -m agentmail``: start-up runs without the cyclic garbage collector (see agentmail/startup.py)."""

import gc

gc.disable()

from agentmail.cli import main  # noqa: E402 -- after the collector is off: importing is most of start-up

raise SystemExit(main())
