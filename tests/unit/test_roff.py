"""The man page's one roff escape: literal backslashes and hyphens, no line read as a request."""

from agentmail.mime.roff import roff_escape


def test_roff_escape() -> None:
    assert roff_escape("--json -v") == "\\-\\-json \\-v"
    assert roff_escape("a\\b") == "a\\eb"
    assert roff_escape(".x") == "\\&.x" and roff_escape("'x") == "\\&'x"
    assert roff_escape("x.y 'z'") == "x.y 'z'" and roff_escape("") == ""
