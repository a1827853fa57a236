"""HTML rendering, format=flowed and quote handling."""

from __future__ import annotations

from agentmail.mime.render import html_to_text, quote_level, reply_text, unflow


def test_html_links_become_numbered_references() -> None:
    text, links = html_to_text('<p>Read <a href="https://a.example/x">this</a> and <a href="mailto:b@c">mail</a>.</p>')
    assert "this [1]" in text and "mail [2]" in text
    assert links == ("https://a.example/x", "mailto:b@c")


def test_html_numbering_can_continue_from_an_earlier_part() -> None:
    text, links = html_to_text('<a href="https://x.example">x</a>', first_link=4)
    assert "x [4]" in text and links == ("https://x.example",)


def test_javascript_and_anchor_links_are_not_listed() -> None:
    text, links = html_to_text('<a href="javascript:evil()">js</a> <a href="#top">top</a>')
    assert links == () and "js" in text and "top" in text


def test_images_show_their_alt_text_and_are_never_fetched() -> None:
    text, links = html_to_text('<img src="https://tracker.example/p.gif" alt="Company logo"><img src="x">')
    assert "[image: Company logo]" in text and "[image]" in text
    assert "tracker" not in text and links == ()


def test_lists_tables_and_paragraphs_are_readable_without_markdown_noise() -> None:
    html = (
        "<p>1. not a list <b>bold</b> <i>it</i></p><ul><li>one</li><li>two</li></ul>"
        "<table><tr><td>a</td><td>b</td></tr></table>"
    )
    text, _ = html_to_text(html)
    assert "1. not a list bold it" in text
    assert "one" in text and "two" in text
    assert "a" in text and "b" in text and "|" in text
    assert "**" not in text and "\\" not in text


def test_scripts_and_styles_are_dropped() -> None:
    text, _ = html_to_text("<style>p{color:red}</style><script>alert(1)</script><p>hi</p>")
    assert text == "hi"


def test_long_paragraphs_are_not_wrapped() -> None:
    text, _ = html_to_text("<p>" + "word " * 100 + "</p>")
    assert "\n" not in text


def test_unflow_joins_soft_breaks_and_keeps_signature() -> None:
    assert unflow("Hello \nworld\n-- \nsig") == "Hello world\n-- \nsig"
    assert unflow("lo \nng", delsp=True) == "long"
    assert unflow(" >stuffed") == ">stuffed"


def test_unflow_joins_only_equal_quote_depth() -> None:
    assert unflow("> a \n> b\n>> c \nd") == "> a b\n>> c \nd"


def test_quote_level() -> None:
    assert quote_level("> > x") == 2
    assert quote_level(">> x") == 2
    assert quote_level("x > y") == 0


def test_reply_text_keeps_only_the_newest_text() -> None:
    text = "Sounds good.\n\nOn Mon, 3 Jun 2024 at 10:00, Alice\n<alice@example.com> wrote:\n> old\n>> older\n\n-- \nBob"
    assert reply_text(text) == "Sounds good."
    assert reply_text("New\n\n-----Original Message-----\nFrom: x") == "New"


def test_hidden_html_is_dropped_and_counted() -> None:
    from agentmail.mime.render import render_html

    html = (
        '<p>Shown <span style="display:none">hidden one <a href="https://h.example/">h</a></span></p>'
        '<div hidden><p>hidden two</p></div><p style="color:red; visibility: hidden !important">three</p>'
        '<img hidden alt="pic"><p>Tail <a href="https://t.example/">t</a></p>'
    )
    out = render_html(html)
    assert "Shown" in out.text and "Tail t [1]" in out.text
    assert "hidden" not in out.text and "three" not in out.text and "pic" not in out.text
    assert out.links == ("https://t.example/",) and out.hidden == 4
    assert render_html("<p>plain</p>").hidden == 0


def test_utf8_label_reads_stray_bytes_as_windows_1252() -> None:
    from agentmail.mime.charset import decode_bytes

    text, note = decode_bytes(b"Det h\xe4r \xc3\xa4r \x93bra\x94", "UTF-8")
    assert text == "Det här är “bra”" and note and "windows-1252" in note
    assert decode_bytes("Det här".encode(), "utf-8") == ("Det här", None)


def test_markup_that_breaks_html2text_still_renders() -> None:
    """html2text's table padding raises IndexError on ``</table><table>``: the text must still come through."""
    from agentmail.mime.render import render_html

    out = render_html(
        '<table><tr><td>Cell</td></tr></table></table><table><tr><td>Next <a href="https://x.example/">x</a>'
    )
    assert "Cell" in out.text and "Next x [1]" in out.text and out.links == ("https://x.example/",)
    assert render_html("</table><table>").text == ""
    text, links = html_to_text("<td>a</td></table><table><p>b")
    assert "a" in text and "b" in text and links == ()


def test_bare_text_is_the_last_resort() -> None:
    from agentmail.mime.render import _bare_text

    assert _bare_text("<style>p{}</style><p>one<br>two<script>x()</script> three") == "\none\ntwo three"
