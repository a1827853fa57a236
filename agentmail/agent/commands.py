"""THE agent command table: name -> arguments, handler (or session runner), answer type and safety marks.

Dispatch, ``help``, ``schema``, the MCP tool list and the man page's COMMANDS section are all generated
from ``COMMANDS``; a test fails when they drift.  The types it is made of live in agent/table.py, the
answer types in agent/answers.py; help and schema describe this table, so their handlers live beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentmail.agent import attachments
from agentmail.agent import handlers as h
from agentmail.agent.args import Arg
from agentmail.agent.shared_args import (
    DRAFT,
    DRY_RUN,
    EXTRA,
    IDEMPOTENCY,
    LIMIT,
    MAX_BYTES,
    PREVIEW,
    QUERY_SUMMARY,
    TARGET,
    UID,
    UIDS,
    UIDVALIDITY,
    folder_arg,
)
from agentmail.agent.table import Command, Context, Handler
from agentmail.errors import ForbiddenError, UsageError
from agentmail.service.tokens import MAX_TOKEN

if TYPE_CHECKING:
    from agentmail.agent.answers import Help, SchemaAnswer, Whoami


def help_cmd(ctx: Context, args: dict[str, Any]) -> Help:
    from agentmail.agent.answers import Help  # lazily, like every import here: a listing needs none of them
    from agentmail.agent.draft_input import DRAFT_FIELDS
    from agentmail.agent.scoped import visible
    from agentmail.agent.typeschema import describe

    chosen = visible(COMMANDS, ctx.grant)
    if args.get("command"):
        name = "_".join(args["command"].split()).replace("-", "_")
        cmd = find(name)
        # A group word (draft, folder) shows every command of the group.
        asked = (cmd,) if cmd is not None else tuple(c for c in COMMANDS if c.name.startswith(name + "_"))
        if not asked:
            raise UsageError(f"there is no command {args['command'][:40]!r}; help lists them all")
        chosen = [c for c in asked if c in chosen]
        if not chosen:
            raise ForbiddenError(f"this key's scope is {ctx.grant.scope!r}, which does not offer {asked[0].name}")
    return Help(tuple(describe(c, ctx.grant) for c in chosen), DRAFT_FIELDS)


def schema_cmd(ctx: Context, args: dict[str, Any]) -> SchemaAnswer:
    from agentmail.agent.answers import SchemaAnswer
    from agentmail.agent.typeschema import full_schema

    return SchemaAnswer(full_schema(COMMANDS, ctx.grant))


def whoami(ctx: Context, args: dict[str, Any]) -> Whoami:
    from agentmail.agent.scoped import visible

    return h.whoami(ctx, tuple(c.name for c in visible(COMMANDS, ctx.grant)))


#: What every send command is: under `draft` (or outside a send key's allow-list) it stores a proposal instead.
SENDS: dict[str, Any] = {"actions": ("draft", "send"), "read_only": False, "idempotent": False, "open_world": True}


def _flagging(name: str, summary: str, handler: Handler, action: str) -> Command:
    """flag, unflag, seen and unseen: the same arguments and answer, one service action each."""
    return Command(
        name, summary, handler, (folder_arg(), UIDS, UIDVALIDITY), "Flags", actions=(action,), read_only=False
    )


COMMANDS: tuple[Command, ...] = (
    Command(
        "help",
        "List the commands with their arguments.",
        help_cmd,
        (
            Arg(
                "command",
                "string",
                "show only this command, or a group of them (help draft, help folder create)",
                positional=True,
                rest=True,
            ),
        ),
        "Help",
        needs_member=False,
    ),
    Command(
        "schema",
        "The JSON Schema of every request and answer.",
        schema_cmd,
        (),
        "SchemaAnswer",
        mcp=False,
    ),
    Command("whoami", "Who you are, your address, limits and the server extensions in use.", whoami, (), "Whoami"),
    Command("folders", "Every folder with its special-use role, total and unseen counts.", h.folders, (), "Folders"),
    Command(
        "folder_create",
        "Create a folder.",
        h.folder_create,
        (Arg("name", "string", "the new folder's name", positional=True, required=True, folder=True),),
        "FolderAnswer",
        actions=("folder_create",),
        read_only=False,
        idempotent=False,
    ),
    Command(
        "folder_rename",
        "Rename a folder (special-use folders are protected).",
        h.folder_rename,
        (
            Arg("name", "string", "the folder", positional=True, required=True, folder=True),
            Arg("new_name", "string", "its new name", positional=True, required=True, folder=True),
        ),
        "FolderAnswer",
        actions=("folder_rename",),
        read_only=False,
        idempotent=False,
    ),
    Command(
        "folder_delete",
        "Delete a folder and the messages in it (special-use folders are protected); one already gone answers"
        " already_absent.",
        h.folder_delete,
        (Arg("name", "string", "the folder", positional=True, required=True, folder=True),),
        "Deleted",
        actions=("folder_delete",),
        read_only=False,
        destructive=True,
    ),
    Command(
        "list",
        "Summaries of a folder, newest first, a page at a time.",
        h.list_cmd,
        (
            folder_arg(required=False, default="INBOX"),
            LIMIT,
            Arg("before", "integer", "only messages with a uid below this one", minimum=1),
            Arg("cursor", "string", "next_cursor from the previous page"),
            Arg("unread", "boolean", "only unread messages", default=False),
            Arg("flagged", "boolean", "only flagged messages", default=False),
            Arg("sort", "string", "order", default="arrival", choices=("arrival", "date", "from", "subject", "size")),
            Arg("reverse", "boolean", "oldest first", default=False),
            Arg("threads", "boolean", "group by conversation (THREAD=REFERENCES)", default=False),
            UIDVALIDITY,
            PREVIEW,
            MAX_BYTES,
        ),
        "PageAnswer",
    ),
    Command(
        "read",
        "One message: headers, body text (HTML rendered), attachments list; marks it read.",
        h.read,
        (
            folder_arg(),
            UID,
            Arg("peek", "boolean", "do not mark it read", default=False),
            Arg("part", "string", "what to include", default="text", choices=("text", "html", "headers", "raw")),
            Arg("html", "boolean", "include the HTML part as well", default=False),
            Arg(
                "raw",
                "boolean",
                "include the message source (same as --part raw)",
                default=False,
                json_help="include the source",
            ),
            MAX_BYTES,
            Arg("offset", "integer", "start the body text at this character", default=0, minimum=0),
            Arg(
                "reply_text",
                "boolean",
                "include content.reply_text, the new text without quoted history (first page only; counts"
                " against --max-bytes); --reply-text=false leaves it empty",
                default=True,
                json_help="include content.reply_text (first page only)",
            ),
            UIDVALIDITY,
        ),
        "ReadAnswer",
        read_only=False,
    ),
    Command(
        "attachment",
        "One MIME part, base64, with filename, type and size; --text: its text (text, HTML, PDF, DOCX, ODT).",
        attachments.attachment,
        (
            folder_arg(),
            UID,
            Arg("part_id", "string", "the part_id from read's attachments", positional=True, required=True),
            MAX_BYTES,
            Arg(
                "offset",
                "integer",
                "start at this byte (with --text: this character); see data_window or text_window.next_offset",
                default=0,
                minimum=0,
            ),
            Arg(
                "text",
                "boolean",
                "the part's text, fenced under content; other types answer unsupported",
                default=False,
            ),
            UIDVALIDITY,
        ),
        "AttachmentAnswer",
    ),
    Command(
        "thread",
        "The whole conversation around a message.",
        h.thread,
        (folder_arg(), UID, UIDVALIDITY, PREVIEW, MAX_BYTES),
        "PageAnswer",
    ),
    Command(
        "search",
        "Search on the server. " + QUERY_SUMMARY,
        h.search,
        (
            Arg(
                "query",
                "string",
                'e.g. from:bob subject:"q3 report" is:unread since:2026-01-01',
                positional=True,
                required=True,
                rest=True,
            ),
            Arg("folder", "string", "search this folder (default INBOX)", folder=True),
            Arg("all_folders", "boolean", "search every folder", default=False),
            LIMIT,
            Arg("cursor", "string", "a page's next_cursor, with --folder set to that page's folder"),
            PREVIEW,
            MAX_BYTES,
        ),
        "SearchAnswer",
    ),
    Command(
        "send",
        "Send a new message (the draft); a copy goes to Sent. Under a draft-scope key it becomes a proposal.",
        h.send,
        (DRAFT, IDEMPOTENCY, DRY_RUN),
        "Sent",
        **SENDS,
    ),
    Command(
        "reply",
        "Reply with threading headers and the original quoted; all (reply-all) never includes you.",
        h.reply,
        (
            folder_arg(),
            UID,
            Arg("all", "boolean", "reply to everyone", default=False),
            EXTRA,
            IDEMPOTENCY,
            DRY_RUN,
            UIDVALIDITY,
        ),
        "Sent",
        **SENDS,
    ),
    Command(
        "forward",
        "Forward a message inline, or whole as an attachment.",
        h.forward,
        (
            folder_arg(),
            UID,
            Arg("attach", "boolean", "attach the original as message/rfc822", default=False),
            EXTRA,
            IDEMPOTENCY,
            DRY_RUN,
            UIDVALIDITY,
        ),
        "Sent",
        **SENDS,
    ),
    Command(
        "draft_save",
        "Save a draft to Drafts.",
        h.draft_save,
        (DRAFT, Arg("replace", "integer", "uid of an older version to replace", minimum=1)),
        "DraftSaved",
        actions=("draft",),
        read_only=False,
        idempotent=False,
    ),
    Command("draft_list", "The drafts, newest first.", h.draft_list, (LIMIT,), "PageAnswer"),
    Command(
        "draft_send",
        "Send a saved draft and remove it from Drafts.",
        h.draft_send,
        (UID, IDEMPOTENCY, DRY_RUN, UIDVALIDITY),
        "Sent",
        **SENDS,
    ),
    Command(
        "proposals",
        "Your proposals waiting for the member's approval (what a draft-scope send stores), oldest first.",
        h.proposals,
        (),
        "Proposals",
        actions=("draft",),  # it reports on what the draft scope stores
    ),
    Command(
        "draft_delete",
        "Delete drafts for good.",
        h.draft_delete,
        (UIDS, UIDVALIDITY),
        "Transfer",
        actions=("expunge", "trash"),
        read_only=False,
        destructive=True,
        idempotent=False,  # deleting a draft that is already gone answers not_found
    ),
    _flagging("flag", "Mark messages flagged.", h.flag, "flag"),
    _flagging("unflag", "Clear the flag.", h.unflag, "flag"),
    _flagging("seen", "Mark messages read.", h.seen, "mark_seen"),
    _flagging("unseen", "Mark messages unread.", h.unseen, "mark_seen"),
    Command(
        "move",
        "Move messages to another folder; answers their new uids.",
        h.move,
        (folder_arg(), UIDS, TARGET, UIDVALIDITY),
        "Transfer",
        actions=("move",),
        read_only=False,
        idempotent=False,
    ),
    Command(
        "copy",
        "Copy messages to another folder; answers the new uids.",
        h.copy,
        (folder_arg(), UIDS, TARGET, UIDVALIDITY),
        "Transfer",
        actions=("copy",),
        read_only=False,
        idempotent=False,
    ),
    Command(
        "delete",
        "Move messages to Trash; in Trash, delete them for good.",
        h.delete,
        (folder_arg(), UIDS, UIDVALIDITY),
        "Transfer",
        actions=("trash", "expunge"),
        read_only=False,
        destructive=True,
        idempotent=False,
    ),
    Command(
        "restore",
        "Move messages from Trash back to INBOX (or --target).",
        h.restore,
        (UIDS, Arg("target", "string", "where to put them", default="INBOX", folder=True), UIDVALIDITY),
        "Transfer",
        actions=("restore",),
        read_only=False,
        idempotent=False,
    ),
    Command("quota", "Storage used and allowed.", h.quota, (), "QuotaAnswer"),
    Command(
        "changes",
        "What happened since a token (new, expunged, flags, resync_required) and the next token.",
        h.changes,
        (
            folder_arg(required=False, default="INBOX"),
            Arg(
                "since",
                "string",
                "a token from changes or watch; without it, only the current token",
                max_length=MAX_TOKEN,
            ),
            Arg("all_folders", "boolean", "every folder, with one token for all", default=False),
            MAX_BYTES,
        ),
        "Changes",
    ),
    Command(
        "watch",
        "Stream events as JSON lines (IDLE), each with its token; ends on stdin EOF or a signal.",
        None,
        (
            folder_arg(required=False, default="INBOX"),
            Arg("since", "string", "first report what happened since this token", max_length=MAX_TOKEN),
            Arg("heartbeat", "integer", "seconds between heartbeat lines", default=30, minimum=1, maximum=3600),
        ),
        "EventLine",
        runner="watch",
        streaming=True,
        mcp=False,
    ),
    Command(
        "batch",
        "JSON Lines on stdin ({id, cmd, args}); one answer line per request, one login for all.",
        None,
        (),
        "",  # each line is the answer of its request, with the request's id
        read_only=False,
        idempotent=False,
        runner="batch",
        mcp=False,
    ),
    Command(
        "mcp",
        "Speak the Model Context Protocol on stdin/stdout, with these commands as tools.",
        None,
        (),
        "",  # JSON-RPC messages
        read_only=False,
        idempotent=False,
        runner="mcp",
        mcp=False,
    ),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def find(name: str) -> Command | None:
    """Look a command up by canonical name (``folder_create``) or dashed form (``folder-create``)."""
    return BY_NAME.get(name.replace("-", "_"))
