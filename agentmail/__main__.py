"""``python -m agentmail``: start-up runs without the cyclic garbage collector, and a one-shot command's exit
skips the final collection (see agentmail/startup.py)."""

import gc

gc.disable()

from agentmail.cli import main  # noqa: E402 -- after the collector is off: importing is most of start-up

status = main()

from agentmail.startup import skip_final_collection  # noqa: E402

skip_final_collection()
raise SystemExit(status)
