"""Audit records of sends and of an agent's changes: who (member, agent), what, how many. Never bodies or secrets.

Records go to syslog (the journal) when ``/dev/log`` exists, else to stderr.
"""

from __future__ import annotations

import json
import logging
import os

_LOGGER_NAME = "agentmail.audit"


def _logger() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.handlers:
        handler: logging.Handler
        if os.path.exists("/dev/log"):
            from logging.handlers import SysLogHandler  # lazily: only a run that records something needs it

            handler = SysLogHandler(address="/dev/log", facility=SysLogHandler.LOG_MAIL)
            handler.setFormatter(logging.Formatter("agentmail[%(process)d]: %(message)s"))
        else:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("agentmail audit: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def record_send(address: str, message_id: str, recipients: int, size: int, result: str, *, agent: str = "") -> None:
    """One line per submission attempt; the key line's agent name is added when an agent sent it."""
    _logger().info(
        "send member=%s message_id=%s recipients=%d size=%d result=%s%s",
        address, message_id, recipients, size, result, f" agent={agent}" if agent else "",
    )  # fmt: skip


def record_change(address: str, agent: str, action: str, folder: str, count: int) -> None:
    """One line per change an agent's key makes (the folder name JSON-quoted: it may hold anything)."""
    _logger().info(
        "change member=%s agent=%s action=%s folder=%s messages=%d",
        address, agent, action, json.dumps(folder[:200]), count,
    )  # fmt: skip
