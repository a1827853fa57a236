"""Arguments several agent commands share, declared once: the folder, uids, the draft, the answer budget..."""

from __future__ import annotations

from agentmail.agent.args import Arg

#: The search language (mime/query.py) in a few lines, for tool descriptions (MCP) that must stand on their own.
#: It lives here, not beside the parser, so the command table does not load the parser (a test holds them together).
QUERY_SUMMARY = (
    "Query: words match anywhere; from: to: cc: bcc: subject: body: text:; since: before: on: (YYYY-MM-DD, 7d, 2w, "
    "3m, 1y); is:unread|read|flagged|unflagged|answered|unanswered|draft; has:attachment; larger: smaller: (10k, 2M); "
    'uid:1:100. Terms AND; a OR b; NOT x, -x; ( ); "phrases".'
)


def folder_arg(required: bool = True, default: str | None = None) -> Arg:
    return Arg(
        "folder",
        "string",
        "the folder (INBOX, Sent, ...)",
        positional=True,
        required=required,
        default=default,
        folder=True,
        json_self_evident=True,
    )


UID = Arg(
    "uid",
    "integer",
    "the message uid in that folder",
    positional=True,
    required=True,
    minimum=1,
    json_self_evident=True,
)
UIDS = Arg(
    "uids",
    "uids",
    "one or more message uids (space or comma separated)",
    positional=True,
    required=True,
    json_self_evident=True,
)
UIDVALIDITY = Arg(
    "uidvalidity",
    "integer",
    "the folder's UIDVALIDITY you hold; a mismatch fails with stale_uid",
    minimum=0,
    json_help="expected; else stale_uid",
)
DRAFT = Arg(
    "draft",
    "object",
    "the message as JSON (fields: see help draft); on a command line, read from stdin or given as --draft",
    required=True,
    stdin=True,
    json_help="the message",
    schema_ref="DraftInput",
)
EXTRA = Arg(
    "draft",
    "object",
    "extra fields as JSON: text, html, attachments, subject; to replaces the computed recipients, cc and bcc add to"
    " them; on a command line, read from stdin or given as --draft",
    stdin=True,
    json_help="extra fields; to replaces the computed recipients, cc and bcc add to them",
    schema_ref="DraftInput",
)
IDEMPOTENCY = Arg(
    "idempotency_key",
    "string",
    "a key of yours: a retry with the same key never sends twice",
    json_help="retries with this key send once",
)
DRY_RUN = Arg(
    "dry_run", "boolean", "build the message and return it without sending", default=False, json_help="build only"
)
LIMIT = Arg(
    "limit", "integer", "how many summaries (1-500)", default=50, minimum=1, maximum=500, json_self_evident=True
)
MAX_BYTES = Arg(
    "max_bytes",
    "integer",
    "cap on this whole answer, in bytes of JSON; truncated says what was cut",
    minimum=256,
    json_help="cap on the whole answer, bytes",
)
PREVIEW = Arg(
    "preview",
    "integer",
    "give each item up to this many characters of its new text (content.preview)",
    json_help="characters of new text per item (content.preview)",
    minimum=1,
    maximum=2000,
)
TARGET = Arg("target", "string", "the destination folder", required=True, folder=True)
