"""`make demo`: a detached test stack under .demo/ with a seeded member, then agentmail as that member.

Usage: python -m tests.stack.demo {start|run [args...]|stop|env}
"""

from __future__ import annotations

import os
import shlex
import sys
from email import message_from_bytes
from email.utils import parsedate_to_datetime
from pathlib import Path

from tests.stack.demo_mail import CORRESPONDENTS, DEMO, messages
from tests.stack.servers import Stack, StackError

DEMO_DIR = Path(__file__).resolve().parents[2] / ".demo"


def _running() -> Stack | None:
    """The demo stack if one is up and answering, else None."""
    if not (DEMO_DIR / "stack.json").exists():
        return None
    stack = Stack.load(DEMO_DIR)
    return stack if stack.running() else None


def start() -> Stack:
    """Start (or reuse) the detached demo stack and seed it once."""
    stack = _running()
    if stack is not None:
        print(f"demo stack already running (IMAP 127.0.0.1:{stack.layout.imap_port})", file=sys.stderr)
        return stack
    if (DEMO_DIR / "stack.json").exists():
        Stack.load(DEMO_DIR).stop()  # leftovers of a half-dead demo
    stack = Stack.start(DEMO_DIR, detach=True)
    marker = DEMO_DIR / "seeded"
    stack.add_members([DEMO, *CORRESPONDENTS])
    if not marker.exists():
        for m in messages():
            date = message_from_bytes(m.raw)["Date"]
            stack.deliver(DEMO, m.raw, m.folder, m.flags, received=parsedate_to_datetime(date).timestamp())
        marker.touch()
    print(
        f"demo stack up: IMAP 127.0.0.1:{stack.layout.imap_port}, SMTP 127.0.0.1:{stack.layout.smtp_port}",
        file=sys.stderr,
    )
    return stack


def stop() -> None:
    """Kill the recorded PIDs of the demo stack."""
    if not (DEMO_DIR / "stack.json").exists():
        print("no demo stack", file=sys.stderr)
        return
    Stack.load(DEMO_DIR).stop()
    print("demo stack stopped", file=sys.stderr)


def demo_env(stack: Stack) -> dict[str, str]:
    """The caller's environment plus the stack's, as member `demo`."""
    env = dict(os.environ)
    env.update(stack.env(DEMO))
    env["PYTHONPATH"] = str(DEMO_DIR.parent) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def main(argv: list[str]) -> int:
    """Dispatch start/run/stop/env."""
    command, extra = (argv[0], argv[1:]) if argv else ("", [])
    if command == "start":
        start()
    elif command == "stop":
        stop()
    elif command in ("run", "env"):
        stack = _running()
        if stack is None:
            raise StackError("the demo stack is not running: python -m tests.stack.demo start")
        if command == "env":
            for key, value in stack.env(DEMO).items():
                print(f"export {key}={shlex.quote(value)}")
            return 0
        os.execvpe(sys.executable, [sys.executable, "-m", "agentmail", *extra], demo_env(stack))  # noqa: S606
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
