"""Only our own MTA's Authentication-Results count; local submission is recognised."""

from __future__ import annotations

from agentmail.mime.authres import parse_results, verdict
from agentmail.model import Header

OURS = "mail.example.org"


def h(name: str, value: str) -> Header:
    return Header(name, value)


def test_trusted_results_from_our_authserv_id() -> None:
    headers = [
        h(
            "Authentication-Results",
            "Mail.Example.Org; spf=pass smtp.mailfrom=a@b (comment; with semicolon); "
            'dkim=fail header.d=b; dkim=pass (good) header.d=c; dmarc=pass header.from="b;c"',
        ),
        h("Received", "from mx.b (mx.b [192.0.2.1]) by mail.example.org"),
    ]
    result = verdict(headers, OURS)
    assert result is not None and result.trusted
    assert (result.spf, result.dkim, result.dmarc) == ("pass", "pass", "pass")
    assert not result.local


def test_foreign_and_lower_headers_are_ignored() -> None:
    forged = [h("Authentication-Results", "evil.example; dkim=pass"), h("Authentication-Results", f"{OURS}; dkim=pass")]
    assert verdict(forged, OURS) is None
    assert verdict([h("Authentication-Results", f"{OURS}; dkim=pass")], "") is None


def test_topmost_run_of_our_headers_is_merged() -> None:
    headers = [h("Authentication-Results", f"{OURS}; spf=fail"), h("Authentication-Results", f"{OURS}; dmarc=none")]
    result = verdict(headers, OURS)
    assert result is not None and (result.spf, result.dmarc) == ("fail", "none")


def test_parse_results_none() -> None:
    assert parse_results("host.example 1; none") == ("host.example", {})


LOCAL = [
    h("Return-Path", "<alice@example.org>"),
    h("Received", "from mail.example.org by mail.example.org (Dovecot) with LMTP id x; Mon, 3 Jun 2024"),
    h("Received", "from localhost (localhost [127.0.0.1]) by mail.example.org (Postfix) with ESMTP id Y"),
    h("From", "Alice <alice@example.org>"),
]


def test_local_submission_names_the_member() -> None:
    result = verdict(LOCAL, OURS, local_domains=["example.org"])
    assert result is not None and result.local and result.member == "alice" and not result.trusted


def test_local_needs_our_domain_and_matching_envelope() -> None:
    assert verdict(LOCAL, OURS) is None
    other = [*LOCAL[:3], h("From", "Mallory <boss@example.org>")]
    assert verdict(other, OURS, local_domains=["example.org"]) is None


def test_external_hop_below_a_loopback_reinjection_is_not_local() -> None:
    reinjected = [*LOCAL[:3], h("Received", "from mx.evil (mx.evil [203.0.113.5]) by mail.example.org"), LOCAL[3]]
    assert verdict(reinjected, OURS, local_domains=["example.org"]) is None
