"""Benchmark agentmail against the raw-IMAP floor and neomutt on a real Dovecot, and print one table.

Starts its own Dovecot + Postfix (tests/stack) in a temporary directory, seeds one
member per folder size with a deterministic corpus (Maildir files + resync), then
measures whole processes, alternating agentmail and the competitor run by run:

* agent commands (``--json list``, ``search``, ``read``) against ``bench/floor.py``,
  which does the same IMAP work with nothing but stdlib imaplib;
* the TUI in a pseudo-terminal (read by pyte) against neomutt on the same folder,
  cold (no header cache) and warm (a filled header cache);
* the TUI's first screen against aerc (when installed; Debian packages it);
* the TUI's peak RSS (VmHWM) after paging through the whole index;
* start-up split into interpreter, imports, login and first FETCH (``bench/phases.py``), for
  ``--json list`` beside the floor's and for the reader, so the next gain is visible.

Numbers are medians over ``--runs``; the spread is max - min.  A benchmark never
fails: a missed goal is printed as such.  Needs root (the stack starts daemons).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "latest.txt"
FLOOR = REPO / "bench" / "floor.py"
PHASES = REPO / "bench" / "phases.py"


@dataclass
class Row:
    """One line of the table: a measurement of agentmail and of what it is compared with."""

    size: int
    what: str
    ours: list[float] = field(default_factory=list)
    theirs: list[float] = field(default_factory=list)
    versus: str = ""
    unit: str = "s"
    note: str = ""


@dataclass(frozen=True)
class Python:
    """The interpreter the measured programs run on, and agentmail's command line on it."""

    python: str
    agentmail: list[str]
    flags: tuple[str, ...] = ()  # for the floor and bench/phases.py too, so both sides start alike


# -- set-up ------------------------------------------------------------------------------------------------------------


def seed(stack, sizes: Sequence[int], log: Callable[[str], None]) -> dict[int, str]:
    """One member per size, its INBOX filled with that many messages; returns size -> member."""
    from bench.corpus import Corpus

    members = {}
    for size in sizes:
        member = f"bench{size}"
        stack.add_member(member)
        started = time.perf_counter()
        # INTERNALDATEs one second apart, ending about an hour ago.
        count = stack.seed_maildir(member, "INBOX", Corpus(size).messages(time.time() - size - 3600))
        log(f"seeded {count} messages for {member} in {time.perf_counter() - started:.1f} s")
        members[size] = member
    return members


def deployed_python(work: Path, dev: bool, log: Callable[[str], None]) -> Python:
    """agentmail as the docs deploy it: a venv of Debian's python3, pip-installed (not editable), run as the
    ForceCommand runs it (``python3 -I -m agentmail``); with ``dev``, the development interpreter instead.

    ``-B`` too: the forced command's user cannot write ``.pyc`` files into the root-owned venv, and the
    benchmark (root) must not either, or its first run would leave behind what deployment never has.
    """
    if dev:
        return Python(sys.executable, [sys.executable, "-m", "agentmail"])
    from tests.stack.sshd import build_venv

    started = time.perf_counter()
    venv = build_venv(work / "install")
    log(f"installed agentmail into {venv} in {time.perf_counter() - started:.0f} s")
    python = str(venv / "bin" / "python3")
    return Python(python, [python, "-I", "-B", "-m", "agentmail"], ("-I", "-B"))


def base_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "PYTHONPATH": str(REPO),
    }


# -- whole-process timing --------------------------------------------------------------------------------------------


def timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, bytes]:
    """Wall time of one whole process (spawn to exit) and its stdout; a failure stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.run(list(argv), env=env, cwd=REPO, capture_output=True, timeout=600, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed ({proc.returncode}): {proc.stderr[-2000:]!r}")
    return elapsed, proc.stdout


def agent_rows(stack, size: int, member: str, runs: int, home: Path, py: Python) -> list[Row]:
    """list / search / read: agentmail --json against the imaplib floor, alternating, one warm-up each."""
    from bench.corpus import SUBJECT_WORD, Corpus

    env = {**base_env(home), **stack.env(member)}
    floor = [py.python, *py.flags, str(FLOOR)]
    login = ["127.0.0.1", str(stack.layout.imap_port), stack.master_login(member), stack.master_password, "INBOX"]
    big_uid = str(Corpus(size).big_index + 1)  # a fresh folder numbers the files in the order written
    am = [*py.agentmail, "--json"]
    cases = [
        ("list newest 50", [*am, "list", "INBOX", "--limit", "50"], [*floor, "list", *login]),
        (
            f"search subject:{SUBJECT_WORD}",
            [*am, "search", f"subject:{SUBJECT_WORD}"],
            [*floor, "search", *login, SUBJECT_WORD],
        ),
        ("read ~50 KB message", [*am, "read", "INBOX", big_uid], [*floor, "read", *login, big_uid]),
    ]
    rows = []
    for what, ours, theirs in cases:
        row = Row(size, what, versus="imaplib floor")
        _, out = timed(ours, env)  # warm-up: Dovecot builds its caches for these fields once
        answer = json.loads(out)
        if not answer.get("ok"):
            raise RuntimeError(f"agentmail {what} failed: {out[:500]!r}")
        timed(theirs, env)
        for _ in range(runs):
            row.ours.append(timed(ours, env)[0])
            row.theirs.append(timed(theirs, env)[0])
        rows.append(row)
    return rows


def phase_run(phases: Sequence[str], mode: str, rest: Sequence[str], env: dict[str, str]) -> dict[str, float]:
    """One bench/phases.py process: its phases in seconds (it is told when it was spawned)."""
    spawned = time.time()
    proc = subprocess.run([*phases, mode, repr(spawned), *rest], env=env, cwd=REPO, capture_output=True,
                          timeout=120, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"bench/phases.py {mode} failed ({proc.returncode}): {proc.stderr[-2000:]!r}")
    return json.loads(proc.stdout)


#: The reader's start-up in the order tui/start.py runs it (bench/phases.py names them).
TUI_PHASES = (
    "interpreter",
    "imports, opening thread",
    "imports, service",
    "imports, UI thread",
    "login",
    "first FETCH",
)


def phase_rows(stack, size: int, member: str, runs: int, home: Path, py: Python) -> list[Row]:
    """Start-up split into interpreter, imports, login and first FETCH: --json list beside the floor, and the reader."""
    env = {**base_env(home), **stack.env(member)}
    login = ["127.0.0.1", str(stack.layout.imap_port), stack.master_login(member), stack.master_password]
    phases = [py.python, *py.flags, str(PHASES)]
    ours: list[dict[str, float]] = []
    floor: list[dict[str, float]] = []
    tui: list[dict[str, float]] = []
    for i in range(runs + 1):
        got = (phase_run(phases, "list", ["INBOX"], env), phase_run(phases, "floor", ["INBOX", *login], env),
               phase_run(phases, "tui", ["INBOX"], env))  # fmt: skip
        if i:  # the first round warms Dovecot's caches
            ours.append(got[0])
            floor.append(got[1])
            tui.append(got[2])
    rows = [
        Row(size, f"list start-up: {name}", [r[name] for r in ours], [r[name] for r in floor], "imaplib floor")
        for name in ("interpreter", "imports", "login", "first FETCH")
    ]
    rows.append(Row(size, "list start-up: JSON answer", [r["answer"] for r in ours]))
    rows += [Row(size, f"TUI start-up: {name}", [r[name] for r in tui]) for name in TUI_PHASES]
    return rows


# -- the TUI against neomutt ---------------------------------------------------------------------------------------


def subject_rx(n: int) -> str:
    """A regex for message n's subject on a screen: `#n` not followed by another digit."""
    return rf"#{n}(?!\d)"


def muttrc(path: Path, stack, member: str, header_cache: Path | None) -> Path:
    """A minimal neomutt config for the stack's Dovecot: plain IMAP, master login, newest first."""
    lines = [
        f'set folder="imap://127.0.0.1:{stack.layout.imap_port}/"',
        'set spoolfile="+INBOX"',
        f'set imap_user="{stack.master_login(member)}"',
        f'set imap_pass="{stack.master_password}"',
        "set ssl_starttls=no",
        "set ssl_force_tls=no",
        "set sort=reverse-date-received",  # newest first, like agentmail's arrival order
        "set quit=yes",
        "set wait_key=no",
        "set mail_check_stats=no",
        f'set header_cache="{header_cache}/"' if header_cache else 'set header_cache=""',
        'set message_cachedir=""',
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def aerc_config(base: Path, stack, member: str) -> Path:
    """XDG_CONFIG_HOME for aerc: one plain-IMAP account on the stack's Dovecot with the master login."""
    from urllib.parse import quote

    conf = base / "aerc"
    conf.mkdir(parents=True, exist_ok=True)
    url = (f"imap+insecure://{quote(stack.master_login(member), safe='')}:{quote(stack.master_password, safe='')}"
           f"@127.0.0.1:{stack.layout.imap_port}")  # fmt: skip
    accounts = conf / "accounts.conf"
    accounts.write_text(f"[bench]\nsource = {url}\noutgoing = /bin/false\ndefault = INBOX\nfrom = <{member}@bench>\n")
    accounts.chmod(0o600)
    (conf / "aerc.conf").write_text("[general]\nunsafe-accounts-conf = true\n")
    return base


def first_screen(argv: Sequence[str], env: dict[str, str], size: int, quit_keys: bytes, work: Path) -> float:
    """Start a mail reader and time its first screen (the newest subject shown) only."""
    from bench.term import Terminal

    term = Terminal(argv, env, work, work / "terminal.log")
    try:
        return term.wait_for(subject_rx(size - 1), timeout=60 + size / 500)
    finally:
        term.close(quit_keys)


@dataclass
class TuiRun:
    first: float
    open: float
    last: float
    rss_kib: int


def drive(argv: Sequence[str], env: dict[str, str], size: int, quit_keys: bytes, work: Path) -> TuiRun:
    """Start a mail reader; time the first screen, opening the newest message, and End to the oldest."""
    from bench.corpus import BODY_MARKER
    from bench.term import KEY_END, KEY_ENTER, KEY_HOME, Terminal

    term = Terminal(argv, env, work, work / "terminal.log")
    try:
        first = term.wait_for(subject_rx(size - 1), timeout=60 + size / 500)
        term.press(KEY_HOME)  # the cursor may start on the first unread message: open the newest one
        term.pump(0.3)
        sent = term.press(KEY_ENTER)
        opened = term.wait_for(BODY_MARKER[:40], since=sent)
        term.press(b"q")
        term.wait_gone(BODY_MARKER[:40])
        term.wait_for(subject_rx(size - 1))
        sent = term.press(KEY_END)
        last = term.wait_for(subject_rx(0), since=sent, timeout=60)
        rss = term.peak_rss_kib()
    finally:
        term.close(quit_keys)
    return TuiRun(first, opened, last, rss)


def scroll_rss(env: dict[str, str], size: int, work: Path, py: Python) -> tuple[int, float]:
    """Page down through the whole index (PgDn until the oldest shows); peak RSS (KiB) and seconds taken."""
    from bench.term import KEY_PGDN, Terminal

    term = Terminal(py.agentmail, env, work, work / "terminal.log")
    try:
        term.wait_for(subject_rx(size - 1), timeout=120)
        started = time.perf_counter()
        rx = subject_rx(0)
        while not re.search(rx, term.text()):
            for _ in range(20):
                term.press(KEY_PGDN)
            term.pump(0.02)
            if time.perf_counter() - started > 1800:
                raise RuntimeError("paging through the index took over 30 minutes")
        took = time.perf_counter() - started
        return term.peak_rss_kib(), took
    finally:
        term.close(b"q")


def drive_retry(argv: Sequence[str], env: dict[str, str], size: int, work: Path) -> TuiRun:
    """drive(), tried a second time when the awaited text never showed (the first screen is logged)."""
    from bench.term import TimedOut

    try:
        return drive(argv, env, size, b"q", work)
    except TimedOut as exc:
        print(f"bench: {argv[0]} timed out, retrying once: {exc}", file=sys.stderr, flush=True)
        return drive(argv, env, size, b"q", work)


def tui_rows(stack, size: int, member: str, runs: int, home: Path, scroll: bool, py: Python) -> list[Row]:
    """agentmail's TUI against neomutt (cold and warm header cache), alternating runs."""
    env = {**base_env(home), **stack.env(member)}
    ours_argv = py.agentmail
    cache = home / f"hcache-{size}"
    cache.mkdir(exist_ok=True)
    cold_rc = muttrc(home / f"muttrc-cold-{size}", stack, member, None)
    warm_rc = muttrc(home / f"muttrc-warm-{size}", stack, member, cache)
    mutt_env = base_env(home)
    mutt = {name: ["neomutt", "-n", "-F", str(rc)] for name, rc in (("cold", cold_rc), ("warm", warm_rc))}
    # Warm-ups (not measured): Dovecot caches the header fields neomutt asks for; the warm run fills its cache.
    drive_retry(ours_argv, env, size, home)
    drive_retry(mutt["cold"], mutt_env, size, home)
    drive_retry(mutt["warm"], mutt_env, size, home)
    aerc_env = {**mutt_env, "XDG_CONFIG_HOME": str(aerc_config(home / f"aerc-{size}", stack, member))}
    with_aerc = shutil.which("aerc") is not None
    if with_aerc:
        first_screen(["aerc"], aerc_env, size, b":quit\r", home)
    ours: list[TuiRun] = []
    cold: list[TuiRun] = []
    warm: list[TuiRun] = []
    aerc: list[float] = []
    for _ in range(runs):
        ours.append(drive_retry(ours_argv, env, size, home))
        cold.append(drive_retry(mutt["cold"], mutt_env, size, home))
        warm.append(drive_retry(mutt["warm"], mutt_env, size, home))
        if with_aerc:
            aerc.append(first_screen(["aerc"], aerc_env, size, b":quit\r", home))
    rows = [
        Row(size, "TUI first screen", [r.first for r in ours], [r.first for r in cold], "neomutt, no cache"),
        Row(size, "TUI first screen", [r.first for r in ours], [r.first for r in warm], "neomutt, warm cache"),
        *([Row(size, "TUI first screen", [r.first for r in ours], aerc, "aerc")] if aerc else []),
        Row(size, "TUI open newest", [r.open for r in ours], [r.open for r in warm], "neomutt, warm cache"),
        Row(size, "TUI End to oldest", [r.last for r in ours], [r.last for r in warm], "neomutt, warm cache"),
        Row(
            size,
            "TUI peak RSS, no scroll",
            [r.rss_kib / 1024 for r in ours],
            [r.rss_kib / 1024 for r in cold],
            "neomutt, no cache",
            unit="MB",
        ),
    ]
    if scroll:
        rss, took = scroll_rss(env, size, home, py)
        rows.append(
            Row(size, "TUI peak RSS, paged to end", [rss / 1024], [], "", unit="MB", note=f"{took:.0f} s of PgDn")
        )
    return rows


# -- the table ---------------------------------------------------------------------------------------------------------


def fmt(values: list[float], unit: str) -> str:
    if not values:
        return "-"
    med = statistics.median(values)
    spread = max(values) - min(values)
    if unit == "MB":
        return f"{med:.1f} MB"
    if len(values) == 1:
        return f"{med:.3f} s"
    return f"{med:.3f} s ±{spread / 2:.3f}"


def table(rows: list[Row]) -> str:
    head = ("size", "measurement", "agentmail", "compared with", "theirs", "ratio", "note")
    body = []
    for r in rows:
        ratio = ""
        if r.ours and r.theirs:
            ratio = f"{statistics.median(r.ours) / statistics.median(r.theirs):.2f}x"
        body.append((f"{r.size:,}", r.what, fmt(r.ours, r.unit), r.versus, fmt(r.theirs, r.unit), ratio, r.note))
    widths = [max(len(str(line[i])) for line in (head, *body)) for i in range(len(head))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in (head, *body)]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def goals(rows: list[Row]) -> list[str]:
    """The goals (issue 17's and the earlier ones still in force), each measured: met or missed."""
    by = {(r.size, r.what, r.versus): r for r in rows}
    med = statistics.median
    out = []

    def check(text: str, ok: bool, detail: str) -> None:
        out.append(f"[{'met' if ok else 'MISSED'}] {text}: {detail}")

    def ratio(row: Row) -> float:
        return med(row.ours) / med(row.theirs)

    sizes = sorted({r.size for r in rows})
    big, small = sizes[-1], sizes[0]
    for size, limit in ((small, 2.0), (big, 1.5)) if big != small else ((small, 2.0),):
        lst = by.get((size, "list newest 50", "imaplib floor"))
        if lst:
            check(f"--json list on {size:,} within {limit}x of the floor", ratio(lst) <= limit, f"{ratio(lst):.2f}x")
    first_small = by.get((small, "TUI first screen", "neomutt, no cache"))
    if first_small:
        check(f"TUI first screen on {small:,} within 0.2 s", med(first_small.ours) <= 0.2,
              f"{med(first_small.ours):.3f} s")  # fmt: skip
    first_big = by.get((big, "TUI first screen", "neomutt, no cache"))
    if first_big and first_small and big != small:
        growth = med(first_big.ours) / med(first_small.ours)
        check(f"TUI first screen flat from {small:,} to {big:,} (at most 20% slower)", growth <= 1.2, f"{growth:.2f}x")
    aerc = by.get((big, "TUI first screen", "aerc"))
    if aerc:
        check(f"TUI first screen on {big:,} within 0.5x of aerc", ratio(aerc) <= 0.5, f"{ratio(aerc):.2f}x")
    else:
        out.append(f"[-] TUI first screen on {big:,} against aerc: aerc not run (apt-get install aerc)")
    warm = by.get((big, "TUI first screen", "neomutt, warm cache"))
    if warm:
        check(f"TUI first screen on {big:,} faster than neomutt with a warm cache", ratio(warm) < 1,
              f"{med(warm.ours):.3f} s vs {med(warm.theirs):.3f} s")  # fmt: skip
    end = by.get((big, "TUI End to oldest", "neomutt, warm cache"))
    if end:
        check(f"TUI jump to oldest on {big:,} under 0.3 s", med(end.ours) < 0.3, f"{med(end.ours):.3f} s")
    paged = by.get((big, "TUI peak RSS, paged to end", ""))
    if paged:
        check(f"TUI peak RSS after paging the whole {big:,} index at most 45 MB", paged.ours[0] <= 45,
              f"{paged.ours[0]:.1f} MB")  # fmt: skip
    return out


def agent_imports() -> list[str]:
    """Which heavy modules the agent path imports for list (never urwid; html2text and email_validator lazily)."""
    probe = (
        "import sys, agentmail.cli, agentmail.agent.run, agentmail.agent.handlers, agentmail.service.mailbox; "
        "print(' '.join(m for m in ('urwid', 'html2text', 'email_validator', 'importlib.metadata', 'email.policy',"
        " 'urllib.request', 'smtplib', 'email.message', 'agentmail.mime.parse') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False)
    loaded = proc.stdout.strip()
    return [f"[{'met' if not loaded else 'MISSED'}] agent path imports none of urwid, html2text, email_validator, "
            "importlib.metadata, email.policy, urllib.request, smtplib, email.message, agentmail.mime.parse up front: "
            f"{loaded or 'none loaded'}"]  # fmt: skip


# -- main ----------------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Time agentmail against the raw-IMAP floor and neomutt on a private Dovecot (needs root).",
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="folder sizes, comma separated")
    parser.add_argument("--runs", type=int, default=7, help="runs per agent-command measurement (median)")
    parser.add_argument("--tui-runs", type=int, default=3, help="runs per TUI measurement (median)")
    parser.add_argument("--skip-tui", action="store_true", help="only the agent commands")
    parser.add_argument("--skip-neomutt", action="store_true", help="no TUI comparison (neomutt not installed)")
    parser.add_argument("--no-scroll", action="store_true", help="skip paging through the largest index")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"where to write the table (default {RESULTS})")
    parser.add_argument("--dev", action="store_true", help="run this checkout's interpreter, not a deployed venv")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, mail) afterwards")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    from tests.stack.servers import Stack

    def log(text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    work = Path(tempfile.mkdtemp(prefix="agentmail-bench-"))
    stack = Stack.start(work / "stack")
    rows: list[Row] = []
    try:
        log(f"stack on 127.0.0.1:{stack.layout.imap_port}; work dir {work}")
        py = deployed_python(work, args.dev, log)
        members = seed(stack, sizes, log)
        for size in sizes:
            home = work / f"home-{size}"
            home.mkdir()
            log(f"{size:,}: agent commands")
            rows += agent_rows(stack, size, members[size], args.runs, home, py)
            log(f"{size:,}: start-up phases")
            rows += phase_rows(stack, size, members[size], args.runs, home, py)
            if not args.skip_tui and not args.skip_neomutt and shutil.which("neomutt"):
                log(f"{size:,}: TUI and neomutt")
                rows += tui_rows(
                    stack, size, members[size], args.tui_runs, home, not args.no_scroll and size == sizes[-1], py
                )
    finally:
        stack.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    header = [
        f"agentmail benchmark, {time.strftime('%Y-%m-%d')}; Python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs; Dovecot on loopback; runs: {args.runs} (agent), {args.tui_runs} (TUI)",
        "agentmail runs from "
        + (
            "this checkout's interpreter (--dev)"
            if args.dev
            else "a pip-installed venv of Debian's python3, as `python3 -I -m agentmail` (and -B, as its user)"
        ),
        "Times are medians ± half the spread (max - min); ratio = agentmail / theirs (below 1 is faster).",
        "",
    ]
    text = "\n".join([*header, table(rows), "", *goals(rows), *agent_imports()]) + "\n"
    sys.stdout.write(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
