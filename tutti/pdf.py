"""A minimal PDF 1.4 writer (Helvetica, WinAnsi encoding for French accents) and the SMS subscription form.

No dependency: a one-page form needs text, lines and boxes, which the base-14 fonts and a hand-written cross-reference
table cover. Text is encoded in cp1252, which is what WinAnsiEncoding means for every character it defines.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import date

A4 = (595, 842)
MARGIN = 56
FONTS = {"regular": "F1", "bold": "F2"}


def _literal(text: str) -> bytes:
    """Encode text as a PDF literal string in WinAnsi; characters it lacks become « ? »."""
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _french_spaces(text: str) -> str:
    """Glue « », : and ; to their words with non-breaking spaces, so that wrapping never strands them."""
    for plain, glued in (("« ", "«\u00a0"), (" »", "\u00a0»"), (" :", "\u00a0:"), (" ;", "\u00a0;")):
        text = text.replace(plain, glued)
    return text


def _info_string(text: str) -> bytes:
    """Encode text for the document information dictionary (UTF-16BE with its byte-order mark)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


@dataclass
class Page:
    """One page's drawing operators."""

    ops: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, size: float = 10, font: str = "regular") -> None:
        """Write one line of text with its baseline at (x, y)."""
        self.ops.append(b"BT /%s %.1f Tf %.1f %.1f Td %s Tj ET" % (
            FONTS[font].encode(), size, x, y, _literal(text)))

    def paragraph(self, x: float, y: float, text: str, size: float = 10, width: float = A4[0] - 2 * MARGIN,
                  font: str = "regular", leading: float = 1.35) -> float:
        """Write wrapped text from (x, y) down; return the y below it."""
        # Helvetica averages about half an em per character in French prose: wrap a little short of that.
        columns = max(10, int(width / (size * 0.52)))
        for line in textwrap.wrap(_french_spaces(text), columns) or [""]:
            self.text(x, y, line, size, font)
            y -= size * leading
        return y

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.6) -> None:
        """Draw a straight line."""
        self.ops.append(b"%.1f w %.1f %.1f m %.1f %.1f l S" % (width, x1, y1, x2, y2))

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.6) -> None:
        """Draw a rectangle's outline."""
        self.ops.append(b"%.1f w %.1f %.1f %.1f %.1f re S" % (width, x, y, w, h))


def render(pages: list[Page], title: str) -> bytes:
    """Assemble pages into a PDF 1.4 file with a correct cross-reference table."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled once the page tree's number is known
    tree = add(b"")
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    for page in pages:
        stream = b"\n".join(page.ops)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                        % (tree, A4[0], A4[1], content, regular, bold)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    info = add(b"<< /Title %s /Producer (Tutti) >>" % _info_string(title))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    return bytes(out)


def subscription_form(structure_name: str, sender_name: str | None, region: str, today: date) -> bytes:
    """Return the SMS option's subscription form, pre-filled with the structure's details, as a PDF."""
    page = Page()
    left, right = MARGIN, A4[0] - MARGIN
    y = A4[1] - MARGIN - 10
    page.text(left, y, "Tutti", 12, "bold")
    page.text(right - 120, y, f"Le {today:%d/%m/%Y}", 10)
    y -= 40
    page.text(left, y, "Formulaire de souscription à l'option SMS", 18, "bold")
    y -= 14
    page.line(left, y, right, y, 1.2)
    y -= 28
    page.text(left, y, "La structure", 12, "bold")
    y -= 20
    for label, value in (("Nom de la structure", structure_name),
                         ("Nom d'expéditeur des SMS", sender_name or "à choisir : 3 à 11 lettres ou chiffres"),
                         ("Pays des numéros de téléphone", region),
                         ("Date de la demande", f"{today:%d/%m/%Y}")):
        page.text(left, y, f"{label} :", 10, "bold")
        y = page.paragraph(left + 190, y, value, 10, width=right - left - 190) - 6
    y -= 14
    page.text(left, y, "L'option SMS", 12, "bold")
    y -= 20
    for text in (
        "Par la présente, la structure désignée ci-dessus souscrit à l'option SMS de Tutti : l'envoi de SMS aux "
        "personnes de sa liste depuis les comptes personnels qui en ont le droit (« Communication - SMS », "
        "« Lecture écriture »).",
        "Chaque SMS se termine par la mention « .STOP 36608 », qui permet au destinataire de se désinscrire. "
        "Un message de 149 caractères standards coûte 1 SMS par destinataire ; les numéros fixes, invalides ou "
        "désinscrits ne coûtent rien.",
        "Le crédit SMS se commande par packs de 100, 500, 1 000 ou 5 000 SMS depuis la page « Crédit SMS ». "
        "Les envois sont conseillés entre 8 h et 20 h, du lundi au samedi, hors jours fériés.",
    ):
        y = page.paragraph(left, y, text, 10) - 8
    y -= 10
    page.text(left, y, "Signature", 12, "bold")
    y -= 22
    page.text(left, y, "Nom et qualité du signataire :", 10)
    page.line(left + 160, y - 2, right, y - 2)
    y -= 26
    page.text(left, y, "Fait à :", 10)
    page.line(left + 45, y - 2, left + 250, y - 2)
    page.text(left + 270, y, "le :", 10)
    page.line(left + 292, y - 2, right, y - 2)
    y -= 24
    page.text(left, y, "Signature et cachet de la structure :", 10)
    page.rect(left, y - 110, 260, 96)
    y -= 140
    page.paragraph(left, y, "Renvoyez ce formulaire signé à l'opérateur de la plateforme, ou envoyez-lui une "
                            "demande de contact depuis la page « Option SMS » de Tutti. L'option est activée dès "
                            "réception.", 9)
    return render([page], f"Souscription à l'option SMS · {structure_name}")
