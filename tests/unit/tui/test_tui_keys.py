"""The key table drives dispatch, the help screen and the man page; these tests fail when they drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentmail.tui import keys
from agentmail.tui.app import App
from agentmail.tui.editor import TextEditor
from agentmail.tui.screens.approvals import ApprovalsScreen, ProposalScreen
from agentmail.tui.screens.attachments import AttachmentsScreen, PartScreen
from agentmail.tui.screens.composer import ComposerScreen
from agentmail.tui.screens.help import HelpScreen
from agentmail.tui.screens.index import IndexScreen
from agentmail.tui.screens.pager import PagerScreen
from agentmail.tui.screens.sidebar import SidebarScreen

HANDLERS = {"global": App, "index": IndexScreen, "pager": PagerScreen, "composer": ComposerScreen,
            "editor": TextEditor, "sidebar": SidebarScreen, "attachments": AttachmentsScreen,
            "part": PartScreen, "approvals": ApprovalsScreen, "proposal": ProposalScreen}  # fmt: skip
MAN = Path(__file__).resolve().parents[3] / "man" / "agentmail.1"


@pytest.mark.parametrize("binding", keys.BINDINGS, ids=lambda b: f"{b.screen}.{b.action}")
def test_every_binding_has_a_handler(binding: keys.Binding) -> None:
    assert callable(getattr(HANDLERS[binding.screen], f"action_{binding.action}", None)), binding


@pytest.mark.parametrize("screen", keys.SCREENS)
def test_no_key_is_bound_twice_on_one_screen(screen: str) -> None:
    bound = [k for b in keys.bindings_for(screen) for k in b.keys]
    assert len(bound) == len(set(bound))


def test_editor_keys_clash_with_no_composer_or_global_key() -> None:
    editor = {k for b in keys.bindings_for("editor") for k in b.keys}
    taken = {k for b in keys.BINDINGS if b.screen in ("composer", "global") for k in b.keys}
    assert not editor & taken


def test_help_and_man_page_show_the_editor_keys(host, text_of) -> None:
    text = text_of(HelpScreen(host), (120, 200))
    assert "Editing text" in text and "^T" in text and "Trim the quote" in text
    assert "^Home" in keys.render_man_keys() and "Trim the quote" in MAN.read_text()


def test_help_screen_lists_every_binding(host, text_of) -> None:
    text = text_of(HelpScreen(host), (100, 200))
    for b in keys.BINDINGS:
        assert b.help in text, b


def test_man_keys_section_is_current() -> None:
    page = MAN.read_text()
    found = re.search(r'^\.\\" BEGIN GENERATED keys\n(.*?)^\.\\" END GENERATED keys$', page, re.M | re.S)
    assert found, "man/agentmail.1 lacks the KEYS markers"
    fix = "run: python -m agentmail.docs --write man/agentmail.1"
    assert found.group(1).strip() == keys.render_man_keys().strip(), fix


def test_man_keys_is_valid_roff() -> None:
    text = keys.render_man_keys()
    assert all(not line.startswith(("'", ".-")) for line in text.splitlines())
    assert ".SS Message list" in text and "\\-" in text
