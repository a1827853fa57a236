"""Big hostile messages built at test time, so no large file is ever committed."""

from __future__ import annotations

import base64


def many_parts(count: int = 1000) -> bytes:
    """A multipart/mixed message with ``count`` small attachments after one text part."""
    lines = [
        b"From: many@example.com",
        b"Subject: many parts",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="many"',
        b"",
        b"--many",
        b"Content-Type: text/plain",
        b"",
        b"the text part",
    ]
    for index in range(count):
        lines += [
            b"--many",
            b"Content-Type: application/octet-stream",
            b'Content-Disposition: attachment; filename="part%d.bin"' % index,
            b"",
            b"data %d" % index,
        ]
    lines.append(b"--many--")
    return b"\r\n".join(lines) + b"\r\n"


def deep_nesting(levels: int = 40) -> bytes:
    """``levels`` multiparts nested inside each other with a text part at the bottom."""
    head = [b"From: deep@example.com", b"Subject: deep", b"MIME-Version: 1.0"]
    body: list[bytes] = []
    for level in range(levels):
        body += [b'Content-Type: multipart/mixed; boundary="lvl%d"' % level, b"", b"--lvl%d" % level]
    body += [b"Content-Type: text/plain", b"", b"at the bottom"]
    for level in reversed(range(levels)):
        body.append(b"--lvl%d--" % level)
    return b"\r\n".join(head + body) + b"\r\n"


def big_attachment(megabytes: int = 20) -> bytes:
    """A short text and one ``megabytes`` MB base64 attachment."""
    payload = base64.encodebytes(b"\x00\x01\x02\x03" * (megabytes * 1024 * 256))
    return (
        b"From: big@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="big"\r\n\r\n'
        b"--big\r\nContent-Type: text/plain\r\n\r\nsee the attachment\r\n"
        b"--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="big.bin"\r\n\r\n' + payload + b"--big--\r\n"
    )


GENERATED = {"many-parts": many_parts, "deep-nesting": deep_nesting, "big-attachment": big_attachment}
