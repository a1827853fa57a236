"""Audit records of sends: who, which message, how many recipients, size, result. Never bodies or secrets.

Records go to syslog (the journal) when ``/dev/log`` exists, else to stderr.
"""

from __future__ import annotations

import logging
import logging.handlers
import os

_LOGGER_NAME = "agentmail.audit"


def _logger() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.handlers:
        handler: logging.Handler
        if os.path.exists("/dev/log"):
            handler = logging.handlers.SysLogHandler(
                address="/dev/log", facility=logging.handlers.SysLogHandler.LOG_MAIL
            )
            handler.setFormatter(logging.Formatter("agentmail[%(process)d]: %(message)s"))
        else:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("agentmail audit: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def record_send(address: str, message_id: str, recipients: int, size: int, result: str) -> None:
    """One line per submission attempt."""
    _logger().info(
        "send member=%s message_id=%s recipients=%d size=%d result=%s", address, message_id, recipients, size, result
    )
