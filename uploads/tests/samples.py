"""Small real files for tests: the bytes a user would actually upload."""

import io
import zipfile

from django.core.files.base import ContentFile

from demo.uploads import demo_pdf


def pdf_bytes(size: int = 0) -> bytes:
    """A valid PDF, padded with a PDF comment to at least `size` bytes."""
    body = demo_pdf("Menu", ["Margherita  $12"])
    if size > len(body):
        pad = size - len(body)
        body = body.replace(b"%%EOF\n", b"%" + b"x" * max(pad - 2, 0) + b"\n%%EOF\n")
    return body


def png_bytes() -> bytes:
    # 1x1 transparent PNG.
    return bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63fcff"
        "ff3f0300050001fea2f6bf6e0000000049454e44ae426082"
    )


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def html_bytes() -> bytes:
    return b"<!doctype html><html><script>alert(1)</script></html>"


def exe_bytes() -> bytes:
    return b"MZ\x90\x00" + b"\x00" * 200


def pdf_file(name: str = "menu.pdf", size: int = 0) -> ContentFile:
    return ContentFile(pdf_bytes(size), name=name)
