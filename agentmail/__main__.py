"""``python -m agentmail``."""

from agentmail.cli import main

raise SystemExit(main())
