"""What the sender wrote in this message, apart from quoted history and the signature.

Pure and line-based: ``>`` quotes, "On ... wrote:" attributions (in the languages mail
clients write them), Outlook's "-----Original Message-----" and "From:/Sent:" blocks,
forwarded-message blocks, and signatures ("-- " and the usual mobile lines).  The full
text is never changed; callers get the new text and where history and signature start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE = re.compile(r"^(?:[ \t]?>)+")
_SEPARATOR_WORDS = (
    r"original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale"
    r"|oorspronkelijk bericht|originalmeddelande|mensagem original|oprindelig meddelelse|opprinnelig melding"
    r"|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato"
    r"|doorgestuurd bericht|vidarebefordrat meddelande|mensagem encaminhada|videresendt meddelelse"
)
_SEPARATOR = re.compile(rf"^\s*[-=_*]{{2,}}\s*(?:{_SEPARATOR_WORDS})\s*[-=_*]{{2,}}\s*$", re.IGNORECASE)
_BEGIN_FORWARD = re.compile(
    r"^\s*(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié"
    r"|inicio del mensaje reenviado|inizio messaggio inoltrato|begin doorgestuurd bericht)\s*:\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{20,}\s*$")
_FROM_FIELD = re.compile(r"^\s*\*?(?:from|von|de|van|da|från|fra|od|от)\s*\*?\s*:", re.IGNORECASE)
_SENT_FIELD = re.compile(
    r"^\s*\*?(?:sent|date|gesendet|datum|envoyé|date d'envoi|enviado|fecha|verzonden|inviato|data|skickat|sendt"
    r"|wysłano|отправлено|to|an|à|para|a|aan|till|til|subject|betreff|objet|asunto|onderwerp|oggetto|ämne|emne)"
    r"\s*\*?\s*:",
    re.IGNORECASE,
)
# "<date>, <name> wrote:" in the languages clients write it; the verb may come before the name (Dutch, German).
_ATTRIBUTION = re.compile(
    r"^\s*.{0,300}(?<!\w)(?:wrote|a écrit|schrieb|escribió|schreef|ha scritto|escreveu|skrev|napisał(?:\(a\)|a)?"
    r"|написал(?:\(а\)|а)?)(?!\w).{0,200}:\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^-- ?$")
_MOBILE = re.compile(
    r"^\s*(?:sent from my \S.{0,40}|get outlook for \S.{0,40}|von meinem \S.{0,40} gesendet"
    r"|envoyé de mon \S.{0,40}|enviado desde mi \S.{0,40}|inviato da \S.{0,40}|skickat från min \S.{0,40})\s*$",
    re.IGNORECASE,
)
# Any hint of history in text already flattened to one line (a server PREVIEW): then look at the body instead.
_FLAT_HISTORY = re.compile(
    r"(?<!\w)(?:wrote|a écrit|schrieb|escribió|schreef|ha scritto|escreveu|skrev|napisał|написал)(?!\w)[^:]{0,200}:"
    rf"|[-=_*]{{2,}}\s*(?:{_SEPARATOR_WORDS})|begin forwarded message|(?:^|\s)--(?:\s|$)|(?:^|\s)>"
    r"|(?<!\w)(?:from|von|de)\s*:.{0,300}(?<!\w)(?:sent|date|gesendet|envoyé|enviado)\s*:"
    r"|(?<!\w)(?:sent from my|get outlook for)(?!\w)",
    re.IGNORECASE,
)
_MAX_ATTRIBUTION_LINES = 3
_MAX_FIELD_GAP = 4


@dataclass(frozen=True, slots=True)
class NewText:
    """The sender's new text, and where history and signature start in the full text (None: not found)."""

    text: str
    history_offset: int | None = None
    signature_offset: int | None = None


def quote_depth(line: str) -> int:
    match = _QUOTE.match(line)
    return match.group(0).count(">") if match else 0


def split_new_text(text: str) -> NewText:
    """Separate the newest text from quoted history and signature; never raises."""
    lines = text.split("\n")
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    kept: list[str] = []
    history: int | None = None
    signature: int | None = None
    index = 0
    while index < len(lines):
        line = lines[index].rstrip("\r")
        if _SIGNATURE.match(line) or (_MOBILE.match(line) and _only_tail_after(lines, index)):
            signature = offsets[index]
            break
        if quote_depth(line):
            history = offsets[index] if history is None else history
            index += 1
            continue
        span, final = _history_start(lines, index)
        if span:
            history = offsets[index] if history is None else history
            if final:  # a forwarded or Outlook block: everything below it is history
                break
            index += span  # an attribution: inline answers may follow between the quotes
            continue
        kept.append(line)
        index += 1
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return NewText("\n".join(kept), history, signature)


def new_text(text: str) -> str:
    return split_new_text(text).text


def may_hold_history(flat: str) -> bool:
    """Whether one-line text (a server preview) may contain quoted history or a signature."""
    return bool(_FLAT_HISTORY.search(flat))


def _history_start(lines: list[str], index: int) -> tuple[int, bool]:
    """How many lines a history marker at index spans (0: none), and whether all below it is history."""
    line = lines[index]
    if _SEPARATOR.match(line) or _BEGIN_FORWARD.match(line):
        return 1, True
    if _RULE.match(line) and _field_block(lines, index + 1):
        return 1, True
    if _FROM_FIELD.match(line) and _field_block(lines, index):
        return 1, True
    for span in range(1, _MAX_ATTRIBUTION_LINES + 1):
        chunk = lines[index : index + span]
        if len(chunk) < span or any(not c.strip() for c in chunk):
            break
        if not chunk[-1].rstrip().endswith(":"):  # cheap: an attribution always ends with a colon
            continue
        joined = " ".join(c.strip() for c in chunk)
        if len(joined) <= 400 and _ATTRIBUTION.match(joined) and _quoted_or_end_after(lines, index + span):
            return span, False
    return 0, False


def _field_block(lines: list[str], start: int) -> bool:
    """A From: line followed closely by Sent:/Date:/To:/Subject: lines: a quoted header block."""
    window = [ln for ln in lines[start : start + _MAX_FIELD_GAP + 2] if ln.strip()]
    if not window or not _FROM_FIELD.match(window[0]):
        return False
    return sum(1 for ln in window[1 : _MAX_FIELD_GAP + 1] if _SENT_FIELD.match(ln)) >= 2


def _quoted_or_end_after(lines: list[str], start: int) -> bool:
    following = [ln for ln in lines[start : start + 3] if ln.strip()]
    return not following or quote_depth(following[0]) > 0


def _only_tail_after(lines: list[str], index: int) -> bool:
    """A mobile signature line counts only when nothing new follows it (blank, quotes or history)."""
    for later in range(index + 1, len(lines)):
        line = lines[later]
        if not line.strip() or quote_depth(line):
            continue
        return bool(_history_start(lines, later)[0])
    return True
