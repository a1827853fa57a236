"""Handlers behind the agent command table: arguments in, JSON-ready result fields out.

Each handler calls the Mailbox service and shapes its answer with ``model.to_json``;
sender-written text sits under ``content`` and the body text inside a fence.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentmail.agent.shape import (
    cut_items,
    fence_text,
    json_size,
    new_fence,
    shape_message,
    squeeze,
    within_budget,
)
from agentmail.errors import ForbiddenError, InternalError, NotFoundError, UsageError
from agentmail.model import Page, to_json
from agentmail.service.scope import FULL, Grant

if TYPE_CHECKING:  # the rest is imported by the handlers that use it: help and schema load no IMAP code
    from agentmail.config import Settings
    from agentmail.identity import Member
    from agentmail.model import Draft
    from agentmail.service.mailbox import Mailbox


@dataclass
class Context:
    """What a handler may use: the session's mailbox (opened on first use) and the request's stdin."""

    settings: Settings | None  # None for help and schema: they run before any configuration is read
    member: Member | None
    read_only: bool = False
    read_stdin: Callable[[], Any] | None = None  # returns the parsed JSON object from stdin
    mailbox_factory: Callable[[], Mailbox] | None = None
    grant: Grant = FULL  # the key line's scope, agent and allow-list (service/scope.py)
    long_lived: bool = False  # batch, mcp, watch: ride out a server restart instead of failing fast
    _mailbox: Mailbox | None = field(default=None, repr=False)

    @property
    def config(self) -> Settings:
        """The settings, which every command but help and schema runs with."""
        if self.settings is None:
            raise InternalError("this command ran without the configuration")
        return self.settings

    @property
    def mailbox(self) -> Mailbox:
        if self._mailbox is None:
            factory = self.mailbox_factory or self._open_mailbox
            self._mailbox = factory()
        return self._mailbox

    def _open_mailbox(self) -> Mailbox:
        from agentmail.service.mailbox import Mailbox

        if self.member is None:
            raise InternalError("a mailbox was asked for without a member")
        window = self.config.reconnect_window if self.long_lived else 0.0
        return Mailbox(self.config, self.member, read_only=self.read_only, reconnect_window=window, grant=self.grant)

    def close(self) -> None:
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None


# -- meta ---------------------------------------------------------------------------
def help_cmd(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.agent import commands, schema, scoped
    from agentmail.agent.draft_input import DRAFT_FIELDS

    chosen: Sequence[commands.Command] = scoped.visible(commands.COMMANDS, ctx.grant)
    if args.get("command"):
        name = "_".join(args["command"].split()).replace("-", "_")
        cmd = commands.find(name)
        # A group word (draft, folder) shows every command of the group.
        asked = (cmd,) if cmd is not None else tuple(c for c in commands.COMMANDS if c.name.startswith(name + "_"))
        if not asked:
            raise UsageError(f"there is no command {args['command'][:40]!r}; help lists them all")
        chosen = tuple(c for c in asked if c in chosen)
        if not chosen:
            raise ForbiddenError(f"this key's scope is {ctx.grant.scope!r}, which does not offer {asked[0].name}")
    return {"commands": [schema.describe(c, ctx.grant) for c in chosen], "draft_fields": DRAFT_FIELDS}


def schema_cmd(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.agent import schema

    return {"schema": schema.full_schema(ctx.grant)}


# -- account and folders ---------------------------------------------------------------
def whoami(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.agent import commands, scoped

    s = ctx.config
    out = to_json(ctx.mailbox.whoami())
    out["commands"] = [c.name for c in scoped.visible(commands.COMMANDS, ctx.grant)]
    out["scope"] = ctx.grant.to_json()
    out["limits"] = {
        "max_recipients": s.max_recipients,
        "max_message_bytes": s.max_message_bytes,
        "max_attachment_bytes": s.max_attachment_bytes,
        "max_answer_bytes": s.max_answer_bytes,
        "send_per_hour": s.send_per_hour,
        "send_per_day": s.send_per_day,
    }
    return out


def folders(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return {"folders": to_json(ctx.mailbox.folders())}


def folder_create(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return {"folder": to_json(ctx.mailbox.create_folder(args["name"]))}


def folder_rename(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return {"folder": to_json(ctx.mailbox.rename_folder(args["name"], args["new_name"]))}


def folder_delete(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Idempotent: a folder that is already gone answers ok with already_absent."""
    if args["name"] not in {f.name for f in ctx.mailbox.folders()}:
        return {"deleted": args["name"], "already_absent": True}
    ctx.mailbox.delete_folder(args["name"])
    return {"deleted": args["name"], "already_absent": False}


def quota(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return {"quota": to_json(ctx.mailbox.quota())}


# -- listing and reading ----------------------------------------------------------------
def list_cmd(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    def page_of(limit: int) -> dict[str, Any]:
        page = ctx.mailbox.list(
            args["folder"],
            limit=limit,
            cursor=args["cursor"],
            before_uid=args["before"],
            unread=args["unread"],
            flagged=args["flagged"],
            sort=args["sort"],
            reverse=args["reverse"],
            threads=args["threads"],
            uidvalidity=args["uidvalidity"],
            preview=args["preview"] or 0,
        )
        return to_json(page)

    return within_budget(page_of, args["limit"], answer_budget(ctx, args))


def answer_budget(ctx: Context, args: dict[str, Any]) -> int:
    """The byte cap on a whole answer: --max-bytes, else the configured default."""
    return args.get("max_bytes") or ctx.config.max_answer_bytes


def read(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    mb = ctx.mailbox
    message = mb.read(args["folder"], args["uid"], peek=args["peek"], uidvalidity=args["uidvalidity"])
    max_bytes = args["max_bytes"] or ctx.config.max_answer_bytes

    def load_raw() -> bytes:
        return mb.raw(message.folder, message.uid, uidvalidity=message.uidvalidity)

    return shape_message(message, args, max_bytes, load_raw)


def thread(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    mb = ctx.mailbox
    view = mb.view(args["folder"], threads=True, uidvalidity=args["uidvalidity"])
    if args["uid"] not in view.uids:
        raise NotFoundError(f"no message with uid {args['uid']} in {args['folder']!r}")
    # The thread is the run of rows from the nearest root (depth 0) above the message to the next root.
    index = view.uids.index(args["uid"])
    depths = view.depths or (0,) * len(view.uids)
    start = index
    while start > 0 and depths[start] > 0:
        start -= 1
    end = index + 1
    while end < len(view.uids) and depths[end] > 0:
        end += 1
    uids = list(view.uids[start:end])
    depth_of = dict(zip(view.uids, depths, strict=False))
    items = mb.summaries(args["folder"], uids, view.uidvalidity, preview=args["preview"] or 0)
    items = [dataclasses.replace(s, depth=depth_of.get(s.uid, 0)) for s in items]
    page = to_json(Page(args["folder"], view.uidvalidity, len(items), tuple(items)))
    return cut_items(page, answer_budget(ctx, args))


def search(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Matches per folder, newest first; a page's next_cursor continues it (--folder F --cursor C)."""
    from agentmail.mime import query as mime_query

    criteria = mime_query.parse_query(args["query"])
    mb = ctx.mailbox
    if args["cursor"] and args["all_folders"]:
        raise UsageError("a cursor continues one folder's matches: give --folder (the page's folder) instead")
    folders_list = mb.searchable_folders() if args["all_folders"] else [args["folder"] or "INBOX"]
    limit = args["limit"]
    budget = answer_budget(ctx, args)
    preview = args["preview"] or 0

    def pages_of(limit: int) -> list[Page]:
        if args["cursor"]:
            return [mb.list(folders_list[0], limit=limit, cursor=args["cursor"], criteria=criteria, preview=preview)]
        return mb.search(criteria, folders=folders_list, limit=limit, preview=preview)

    while True:
        pages = pages_of(limit)
        answer = {"query": args["query"], "total": sum(p.total for p in pages), "results": to_json(pages)}
        shown = sum(len(p.items) for p in pages)
        if json_size(answer) <= budget or limit == 1 or shown <= 1:
            break
        limit = max(1, limit // 2)
    if limit < args["limit"]:
        answer["capped"] = answer["truncated"] = True
    return squeeze(answer, budget)


# -- change feed --------------------------------------------------------------------------
#: New messages reported in one changes answer; ``more`` says to call again.
MAX_NEW_EVENTS = 100


def changes(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Events since a token; with --all-folders the token covers every folder; --max-bytes caps the answer."""
    budget = answer_budget(ctx, args)
    max_new = MAX_NEW_EVENTS
    while True:
        answer = _changes_once(ctx, args, max_new)
        size = json_size(answer)
        new_count = sum(1 for e in answer["events"] if e["kind"] == "new")
        if size <= budget or max_new <= 1 or new_count == 0:
            break
        # Fewer new messages per call: the token then resumes right after the last one reported (more: true).
        max_new = max(1, min(max_new - 1, new_count * budget // size - 1))
    if max_new < MAX_NEW_EVENTS:
        answer["truncated"] = True
    return answer


def _changes_once(ctx: Context, args: dict[str, Any], max_new: int) -> dict[str, Any]:
    from agentmail.service import feed  # lazily: only these commands need it

    mb = ctx.mailbox
    if not args["all_folders"]:
        events, token, more = feed.changes_page(mb, args["folder"], args["since"], max_new=max_new)
        return {"events": to_json(events), "token": token, "more": more}
    previous = _decode_multi(args["since"]) if args["since"] else {}
    tokens: dict[str, str] = {}
    events_out: list[Any] = []
    any_more = False
    for index, folder in enumerate(mb.searchable_folders()):
        since = previous.get(folder) if args["since"] else None
        events, tokens[folder], more = feed.changes_page(mb, folder, since, max_new=max_new, with_decisions=index == 0)
        events_out += to_json(events)
        any_more = any_more or more
    return {"events": events_out, "token": _encode_multi(tokens), "more": any_more}


def _encode_multi(tokens: dict[str, str]) -> str:
    raw = json.dumps({"v": 1, "folders": tokens}, separators=(",", ":"), sort_keys=True).encode()
    return "all." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_multi(token: str) -> dict[str, str]:
    try:
        if not token.startswith("all."):
            raise ValueError
        body = token[4:]
        data = json.loads(base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode("ascii")))
        folders = data["folders"]
        if data.get("v") != 1 or not isinstance(folders, dict):
            raise ValueError
        return {str(k): str(v) for k, v in folders.items()}
    except (ValueError, KeyError, TypeError, UnicodeEncodeError):
        raise UsageError("the token is not an --all-folders token agentmail gave out") from None


def not_here(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """batch, mcp and watch run as sessions of their own, not inside another request."""
    raise UsageError("this command runs on its own: start it as agentmail <command>, not inside batch or MCP")


# -- sending ----------------------------------------------------------------------------
def _draft_arg(ctx: Context, args: dict[str, Any], required: bool) -> Draft:
    from agentmail.agent.draft_input import draft_from_json
    from agentmail.model import Draft

    value = args.get("draft")
    if value is None and ctx.read_stdin is not None:
        value = ctx.read_stdin()
    if value is None:
        if required:
            raise UsageError("this command needs a JSON draft (on standard input, or as the draft argument)")
        return Draft()
    return draft_from_json(value)


def _sent(result: Any) -> dict[str, Any]:
    """A send's answer; a dry run's built message quotes the sender, so it travels fenced like a body."""
    out = to_json(result)
    if out.get("raw"):
        out["fence"] = new_fence()
        out["raw"] = fence_text(out["raw"], out["fence"])
    else:
        out.pop("raw", None)
    return out


def send(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.service import sending  # lazily: only these commands need it

    draft = _draft_arg(ctx, args, required=True)
    return _sent(sending.send(ctx.mailbox, draft, idempotency_key=args["idempotency_key"], dry_run=args["dry_run"]))


def reply(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.service import sending  # lazily: only these commands need it

    extra = _draft_arg(ctx, args, required=False)
    result = sending.reply(
        ctx.mailbox,
        args["folder"],
        args["uid"],
        extra,
        reply_all=args["all"],
        uidvalidity=args["uidvalidity"],
        idempotency_key=args["idempotency_key"],
        dry_run=args["dry_run"],
    )
    return _sent(result)


def forward(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.service import sending  # lazily: only these commands need it

    extra = _draft_arg(ctx, args, required=False)
    if not extra.recipients:
        raise UsageError("forward needs recipients: give a JSON draft with to (and optionally cc, bcc, text)")
    result = sending.forward(
        ctx.mailbox,
        args["folder"],
        args["uid"],
        extra,
        as_attachment=args["attach"],
        uidvalidity=args["uidvalidity"],
        idempotency_key=args["idempotency_key"],
        dry_run=args["dry_run"],
    )
    return _sent(result)


def draft_save(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.service import sending  # lazily: only these commands need it

    draft = _draft_arg(ctx, args, required=True)
    folder, uid, uidvalidity = sending.store_draft(ctx.mailbox, draft, replace_uid=args["replace"])
    return {"folder": folder, "uid": uid, "uidvalidity": uidvalidity}


def draft_list(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    mb = ctx.mailbox
    return to_json(mb.list(mb.folder_for("drafts"), limit=args["limit"]))


def draft_send(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.service import sending  # lazily: only these commands need it

    result = sending.send_draft(
        ctx.mailbox,
        args["uid"],
        uidvalidity=args["uidvalidity"],
        idempotency_key=args["idempotency_key"],
        dry_run=args["dry_run"],
    )
    return _sent(result)


def proposals(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    from agentmail.service import proposals as service  # lazily: only this command needs it

    return {"proposals": to_json(service.pending(ctx.mailbox))}


def draft_delete(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    mb = ctx.mailbox
    drafts = mb.folder_for("drafts")
    return to_json(mb.delete(drafts, args["uids"], uidvalidity=args["uidvalidity"]))


# -- flags and moving ---------------------------------------------------------------------
def _flags(ctx: Context, args: dict[str, Any], add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> dict:
    uids = ctx.mailbox.set_flags(args["folder"], args["uids"], add=add, remove=remove, uidvalidity=args["uidvalidity"])
    state = ctx.mailbox.session.selected
    return {"folder": args["folder"], "uidvalidity": state.uidvalidity if state else None, "uids": uids}


def flag(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return _flags(ctx, args, add=("\\Flagged",))


def unflag(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return _flags(ctx, args, remove=("\\Flagged",))


def seen(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return _flags(ctx, args, add=("\\Seen",))


def unseen(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return _flags(ctx, args, remove=("\\Seen",))


def move(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return to_json(ctx.mailbox.move(args["folder"], args["uids"], args["target"], uidvalidity=args["uidvalidity"]))


def copy(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return to_json(ctx.mailbox.copy(args["folder"], args["uids"], args["target"], uidvalidity=args["uidvalidity"]))


def delete(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return to_json(ctx.mailbox.delete(args["folder"], args["uids"], uidvalidity=args["uidvalidity"]))


def restore(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return to_json(ctx.mailbox.restore(args["uids"], args["target"], uidvalidity=args["uidvalidity"]))
