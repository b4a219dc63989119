"""The subscription form: a real PDF that opens, with the structure's details in it."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from tutti import pdf

NAME = "École de musique (Saint-Aubin) \\ Œuvre"


@pytest.fixture
def document() -> bytes:
    return pdf.subscription_form(NAME, "EMSAUBIN", "France", date(2026, 11, 25))


def test_subscription_form_is_pdf(document):
    assert document.startswith(b"%PDF-1.4") and document.rstrip().endswith(b"%%EOF")


def test_subscription_form_xref_offsets_point_at_objects(document):
    start = int(re.search(rb"startxref\s+(\d+)", document).group(1))
    assert document[start:start + 4] == b"xref"
    count = int(re.search(rb"xref\s+0 (\d+)", document[start:]).group(1))
    entries = re.findall(rb"(\d{10}) 00000 n ", document[start:])
    assert len(entries) == count - 1
    for number, offset in enumerate(entries, start=1):
        assert document[int(offset):].startswith(b"%d 0 obj" % number)


def test_subscription_form_stream_lengths_match(document):
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", document):
        end = match.end() + int(match.group(1))
        assert document[end:end + 10] == b"\nendstream"


def test_subscription_form_holds_details_in_winansi(document):
    assert pdf._literal(NAME) in document  # accents in cp1252, parentheses and backslash escaped
    assert b"(EMSAUBIN)" in document and b"25/11/2026" in document
    assert b"/Encoding /WinAnsiEncoding" in document


def test_literal_escapes_and_replaces_unknown_characters():
    assert pdf._literal("a(b)c\\") == b"(a\\(b\\)c\\\\)"
    assert pdf._literal("é€") == b"(\xe9\x80)"
    assert pdf._literal("😀") == b"(?)"


def test_subscription_form_parses_with_pypdf(document):
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(document), strict=True)
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1 and NAME in text and "EMSAUBIN" in text
    assert reader.metadata.title == f"Souscription à l'option SMS · {NAME}"
