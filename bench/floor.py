"""The raw-IMAP floor: the same IMAP work as an agentmail command, with nothing but stdlib imaplib.

Run as a whole process (``python bench/floor.py list|search|read ...``) so it pays the
same interpreter start-up as agentmail; it imports nothing from agentmail or bench.
Arguments: HOST PORT LOGIN PASSWORD FOLDER, then a search word or a uid.
"""

from __future__ import annotations

import imaplib
import re
import sys

FETCH_ITEMS = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)"


def _newest(imap: imaplib.IMAP4, uids: list[bytes], limit: int = 50) -> int:
    """FETCH ENVELOPE of the newest `limit` uids; returns how many answers came back."""
    if not uids:
        return 0
    typ, data = imap.uid("FETCH", b",".join(uids[-limit:]).decode(), FETCH_ITEMS)
    if typ != "OK":
        raise SystemExit(f"FETCH failed: {data!r}")
    return len(data)


def main(argv: list[str]) -> int:
    command, host, port, login, password, folder, *rest = argv
    imap = imaplib.IMAP4(host, int(port))
    imap.login(login, password)
    typ, data = imap.select(folder, readonly=True)  # EXAMINE
    if typ != "OK":
        raise SystemExit(f"EXAMINE failed: {data!r}")
    exists = int(data[0] or 0)
    if command == "list":
        # The newest 50 by sequence number: the cheapest way any client can show a folder's top.
        typ, data = imap.fetch(f"{max(1, exists - 49)}:{max(exists, 1)}", FETCH_ITEMS)
        count = len(data) if exists else 0
    elif command == "search":
        typ, data = imap.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT", rest[0])
        uids = data[0].split() if data and data[0] else []
        count = _newest(imap, uids)
    elif command == "read":
        typ, data = imap.uid("FETCH", rest[0], "(BODY.PEEK[])")
        raw = next((part[1] for part in data if isinstance(part, tuple)), b"")
        count = len(raw)
        if not re.match(rb"[\x21-\x7e]+:", raw):
            raise SystemExit("no message came back")
    else:
        raise SystemExit(f"unknown command {command!r}")
    imap.logout()
    sys.stdout.write(f"{count}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
