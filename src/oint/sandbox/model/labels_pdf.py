"""A small PDF writer for the sandbox's package labels and acts: real, valid PDF 1.4 files.

`document(pages, size)` writes pages of text lines (Helvetica; Cyrillic is transliterated, as the
standard fonts carry Latin letters only) and Interleaved 2 of 5 barcodes drawn as bars, with a
correct cross-reference table and trailer, so that any reader opens them. `label_page(...)` and
`act_pages(...)` lay out a posting's package label (75 x 120 mm) and an act (A4). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from oint.sandbox.model.fbo import transliterate

MM = 72 / 25.4
LABEL_SIZE = (round(75 * MM), round(120 * MM))
A4 = (595, 842)
# Interleaved 2 of 5: narrow (0) and wide (1) elements of each digit
ITF = ("00110", "10001", "01001", "11000", "00101", "10100", "01100", "00011", "10010", "01010")


@dataclass
class Page:
    """What one page shows: text (x, y, size, text) and barcodes (x, y, height, digits, module)."""

    texts: list[tuple[float, float, float, str]] = field(default_factory=list)
    barcodes: list[tuple[float, float, float, str, float]] = field(default_factory=list)

    def text(self, x: float, y: float, size: float, text: str) -> None:
        self.texts.append((x, y, size, text))

    def barcode(self, x: float, y: float, height: float, digits: str, module: float = 1.0) -> None:
        self.barcodes.append((x, y, height, digits, module))


def pdf_escape(text: str) -> str:
    """Text as a PDF string literal holds it: anything but printable ASCII as '?', `\\ ( )` escaped."""
    plain = re.sub(r"[^ -~]", "?", text)
    return plain.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def ascii_text(text: str) -> str:
    """Text the standard fonts can show: Cyrillic transliterated, other letters '?', PDF-escaped."""
    return pdf_escape(transliterate(text))


def pdf_file(
    objects: Sequence[bytes], *, head: bytes = b"%PDF-1.4\n", trailer: bytes = b"/Root 1 0 R"
) -> bytes:
    """A PDF file of these objects (numbered from 1): `head`, the objects, the cross-reference table
    and the trailer (`/Size` and the entries of `trailer`)."""
    out = bytearray(head)
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def bars(digits: str) -> list[tuple[float, float]]:
    """The bars (offset, width in modules) of an Interleaved 2 of 5 code of `digits` (made even
    with a leading 0), with its start and stop patterns; wide = 3 narrow."""
    code = "".join(ch for ch in digits if ch.isdigit()) or "0"
    if len(code) % 2:
        code = "0" + code
    elements = [(True, 1), (False, 1), (True, 1), (False, 1)]  # start
    for i in range(0, len(code), 2):
        bar_code, space_code = ITF[int(code[i])], ITF[int(code[i + 1])]
        for b, w in zip(bar_code, space_code, strict=True):
            elements += [(True, 3 if b == "1" else 1), (False, 3 if w == "1" else 1)]
    elements += [(True, 3), (False, 1), (True, 1)]  # stop
    out, x = [], 0.0
    for black, width in elements:
        if black:
            out.append((x, float(width)))
        x += width
    return out


def _content(page: Page) -> bytes:
    ops = []
    for x, y, height, digits, module in page.barcodes:
        ops += [
            f"{x + off * module:.2f} {y:.2f} {width * module:.2f} {height:.2f} re"
            for off, width in bars(digits)
        ]
        ops.append("f")
    for x, y, size, text in page.texts:
        ops.append(f"BT /F1 {size:g} Tf {x:.2f} {y:.2f} Td ({ascii_text(text)}) Tj ET")
    return "\n".join(ops).encode("ascii")


def document(pages: Sequence[Page], size: tuple[int, int] = A4, title: str = "") -> bytes:
    """A PDF file of these pages (at least one)."""
    pages = list(pages) or [Page()]
    n = len(pages)
    # objects: 1 catalog, 2 pages, 3 font, 4 info, then per page: page, content
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (" ".join(f"{5 + 2 * i} 0 R" for i in range(n)).encode(), n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Producer (oint sandbox) /Title (%s) >>" % ascii_text(title).encode("ascii"),
    ]
    for i, page in enumerate(pages):
        stream = _content(page)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (size[0], size[1], 6 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    return pdf_file(objects, head=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", trailer=b"/Root 1 0 R /Info 4 0 R")


def label_page(posting_number: str, barcode: str, lines: Sequence[str], *, big: bool = True) -> Page:
    """A package label: the posting number, its barcode, and a few lines (method, city, items)."""
    _width, height = LABEL_SIZE
    page = Page()
    page.text(12, height - 28, 16, "OZON")
    page.text(12, height - 52, 14 if big else 11, posting_number)
    page.barcode(12, height - 130, 60, barcode, 1.4 if big else 1.0)
    page.text(12, height - 146, 9, barcode)
    y = height - 168.0
    for line in lines:
        page.text(12, y, 8, line)
        y -= 12
    page.text(12, 14, 7, "oint sandbox: not a shipping document")
    return page


def act_pages(
    title: str, head: Sequence[str], rows: Sequence[tuple[str, ...]], per_page: int = 40
) -> list[Page]:
    """An act: a title, header lines and a numbered table of rows, over as many A4 pages as needed."""
    pages = []
    chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [()]
    for number, chunk in enumerate(chunks, 1):
        page = Page()
        page.text(50, 800, 14, title)
        y = 778.0
        for line in head:
            page.text(50, y, 9, line)
            y -= 13
        y -= 8
        for i, row in enumerate(chunk, 1 + (number - 1) * per_page):
            page.text(50, y, 9, f"{i:>3}.  " + "   ".join(row))
            y -= 15
        page.text(50, 30, 8, f"page {number} of {len(chunks)}")
        pages.append(page)
    return pages
