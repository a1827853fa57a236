"""The change feed's IMAP side: what changed in a folder since a point (new uids, flags, expunges; RFC 7162)."""

from __future__ import annotations

from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.response_parser import parse_fetch_response

from agentmail.imap.listing import parse_sequence_set
from agentmail.imap.session import ImapSession
from agentmail.model import flag_names


@dataclass(frozen=True)
class FolderChanges:
    """Raw changes between (uidnext, modseq) and now, for uids below the old uidnext."""

    new_uids: tuple[int, ...] = ()
    flags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    vanished: tuple[int, ...] = ()


def changed_since(session: ImapSession, uidnext: int, modseq: int, snapshot_uidnext: int) -> FolderChanges:
    """Changes in the selected folder: uids in [uidnext, snapshot_uidnext), flag changes and expunges since modseq.

    Needs CONDSTORE for flags and QRESYNC for expunges; without them only new mail is reported.
    """
    new: list[int] = []
    if snapshot_uidnext > uidnext:
        found = session.call(lambda c: c.search(["UID", f"{uidnext}:{snapshot_uidnext - 1}"]))
        new = sorted(u for u in found if uidnext <= u < snapshot_uidnext)
    flags: dict[int, tuple[str, ...]] = {}
    vanished: list[int] = []
    if uidnext > 1 and modseq and session.has("CONDSTORE"):
        modifiers = f"(CHANGEDSINCE {modseq}{' VANISHED' if session.has('QRESYNC') else ''})"

        def op(c: IMAPClient) -> tuple[str, list[object], list[object]]:
            imap = c._imap  # imapclient wraps no FETCH ... VANISHED (private: see imap/session.py's docstring)
            imap.untagged_responses.pop("VANISHED", None)
            typ, data = imap.uid("FETCH", f"1:{uidnext - 1}", "(UID FLAGS MODSEQ)", modifiers)
            return typ, data, imap.untagged_responses.pop("VANISHED", [])

        typ, data, vanished_lines = session.call(op)
        if typ == "OK" and data and data != [None]:
            parsed = parse_fetch_response([d for d in data if d is not None], False, True)
            for uid, item in parsed.items():
                if not isinstance(uid, int) or uid >= uidnext:
                    continue
                flags[uid] = flag_names(item.get(b"FLAGS", ()))
        for line in vanished_lines:
            text = line.decode("ascii", "replace") if isinstance(line, bytes) else str(line)
            uid_set = text.replace("(EARLIER)", "").strip()
            if uid_set:
                vanished.extend(u for u in parse_sequence_set(uid_set) if u < uidnext)
    return FolderChanges(tuple(new), flags, tuple(sorted(set(vanished))))
