"""agentmail: a terminal mail client for shared hosts (TUI for humans, JSON for agents)."""

__version__ = "0.1.0"
