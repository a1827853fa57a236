"""Tiny documents with known text, built by hand for the tests (no document library needed)."""

from __future__ import annotations

import io
import zipfile


def make_pdf(lines: list[str], padding: int = 0) -> bytes:
    """A valid one-page PDF showing each line (Helvetica); ``padding`` bytes of an unused stream make it big."""
    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops += [f"({escaped}) Tj", "T*"]
    ops.append("ET")
    content = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if padding:
        objects.append(b"<< /Length %d >>\nstream\n" % padding + b"0" * padding + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def make_docx(paragraphs: list[str]) -> bytes:
    """A minimal WordprocessingML package: one w:p per paragraph."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t xml:space='preserve'>{_xml(p)}</w:t></w:r></w:p>" for p in paragraphs)
    document = f"<?xml version='1.0' encoding='UTF-8'?><w:document xmlns:w='{ns}'><w:body>{body}</w:body></w:document>"
    types = (
        "<?xml version='1.0' encoding='UTF-8'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/"
        "content-types'><Default Extension='xml' ContentType='application/xml'/><Override PartName='/word/"
        "document.xml' ContentType='application/vnd.openxmlformats-officedocument.wordprocessingml.document."
        "main+xml'/></Types>"
    )
    return _zip({"[Content_Types].xml": types, "word/document.xml": document})


def make_odt(paragraphs: list[str]) -> bytes:
    """A minimal OpenDocument text: text:p per paragraph, one with a text:s run of spaces."""
    ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    body = "".join(f"<text:p>{_xml(p)}</text:p>" for p in paragraphs)
    content = (
        f"<?xml version='1.0' encoding='UTF-8'?><office:document-content xmlns:office='{office}' "
        f"xmlns:text='{ns}'><office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    return _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content})


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _zip(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()
