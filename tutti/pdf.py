"""The SMS option's subscription form: a one-page PDF with fields a school fills on screen (an AcroForm).

Drawn with reportlab: its canvas writes the text in the base-14 Helvetica (WinAnsi, so French accents, « » and œ
print as such) and its ``acroForm`` adds the text fields and the check box. The structure's known details are then
written into their fields by pypdf, whose appearance streams encode the whole of the form font's encoding (reportlab's
draw Latin-1 only, and a « Chœur » or an « L’Harmonie » is a common name), so every viewer shows and prints them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader, PdfWriter
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

MARGIN = 56
LEFT, RIGHT = MARGIN, A4[0] - MARGIN
FIELD_X = LEFT + 190  # where a labelled field starts
FIELD_FILL = Color(0.93, 0.95, 1)  # a light tint shows on screen where to type, and prints almost white
FONTS = {"regular": "Helvetica", "bold": "Helvetica-Bold"}
FIELD_SIZE, SMALLEST_FIELD_SIZE = 10, 6  # points: a long value is written smaller rather than cut


@dataclass(frozen=True)
class Field:
    """A text field of the form: its name in the PDF and the label printed beside it (also its tooltip)."""

    name: str
    label: str
    lines: int = 1
    max_length: int = 200


# The structure's details, in the order printed; the first four after the name are for the school to give.
STRUCTURE = Field("nom_structure", "Nom de la structure")
ADDRESS = Field("adresse", "Adresse", lines=2)
CONTACT = Field("personne_contact", "Personne à contacter", max_length=100)
EMAIL = Field("email", "Adresse e-mail", max_length=254)
PHONE = Field("telephone", "Téléphone", max_length=30)
SENDER = Field("nom_expediteur", "Nom d'expéditeur des SMS", max_length=11)
COUNTRY = Field("pays", "Pays des numéros de téléphone", max_length=100)
REQUEST_DATE = Field("date_demande", "Date de la demande", max_length=10)
SIGNATORY = Field("signataire", "Nom et qualité du signataire", max_length=150)
PLACE = Field("fait_a", "Fait à", max_length=100)
SIGNATURE_DATE = Field("date_signature", "le", max_length=10)
SIGNATURE = Field("signature", "Signature et cachet de la structure", lines=6, max_length=500)
ACCEPT = "accepte_conditions"
ACCEPT_LABEL = "La structure accepte les conditions de l'option SMS ci-dessus."

OPTION_TEXT = (
    "Par la présente, la structure désignée ci-dessus souscrit à l'option SMS de Tutti : l'envoi de SMS aux "
    "personnes de sa liste depuis les comptes personnels qui en ont le droit (« Communication - SMS », "
    "« Lecture écriture »).",
    "Chaque SMS se termine par la mention « .STOP 36608 », qui permet au destinataire de se désinscrire. "
    "Un message de 149 caractères standards coûte 1 SMS par destinataire ; les numéros fixes, invalides ou "
    "désinscrits ne coûtent rien.",
    "Le crédit SMS se commande par packs de 100, 500, 1 000 ou 5 000 SMS depuis la page « Crédit SMS ». "
    "Les envois sont conseillés entre 8 h et 20 h, du lundi au samedi, hors jours fériés.",
)
RETURN_TEXT = ("Renvoyez ce formulaire signé à l'opérateur de la plateforme, ou envoyez-lui une demande de contact "
               "depuis la page « Option SMS » de Tutti. L'option est activée dès réception.")


def french_spaces(text: str) -> str:
    """Glue « », : and ; to their words with non-breaking spaces, so that wrapping never strands them."""
    for plain, glued in (("« ", "«\u00a0"), (" »", "\u00a0»"), (" :", "\u00a0:"), (" ;", "\u00a0;")):
        text = text.replace(plain, glued)
    return text


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Split text into lines no wider than width, breaking at plain spaces only (never at a non-breaking one)."""
    lines: list[str] = []
    for word in french_spaces(text).split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and stringWidth(candidate, FONTS[font], size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


class FormPage:
    """One page drawn from the top down: a cursor y, the verbs the form needs, and the fields' starting values."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.y = A4[1] - MARGIN - 10
        self.values: dict[str, str] = {}

    def text(self, x: float, text: str, size: float = 10, font: str = "regular") -> None:
        """Write one line with its baseline at the cursor."""
        self.canvas.setFont(FONTS[font], size)
        self.canvas.drawString(x, self.y, text)

    def paragraph(self, text: str, size: float = 10, font: str = "regular", leading: float = 1.35) -> None:
        """Write wrapped text across the page, moving the cursor below it."""
        for line in wrap(text, font, size, RIGHT - LEFT):
            self.text(LEFT, line, size, font)
            self.y -= size * leading

    def heading(self, text: str) -> None:
        """Write a section heading."""
        self.text(LEFT, text, 12, "bold")
        self.y -= 20

    def field(self, field: Field, x: float, width: float, value: str = "", tooltip: str | None = None) -> float:
        """Add a text field whose first line sits on the cursor's baseline; return its height."""
        height = 4 + 12 * field.lines
        size = FIELD_SIZE
        if field.lines == 1 and value:  # a one-line value too wide for the field is written smaller
            fits = (width - 6) / max(stringWidth(value, FONTS["regular"], 1), 1)
            size = max(SMALLEST_FIELD_SIZE, min(FIELD_SIZE, int(fits * 10) / 10))
        self.canvas.acroForm.textfield(
            name=field.name, tooltip=tooltip or field.label, value="", x=x, y=self.y + 10 - height, width=width,
            height=height, fontName=FONTS["regular"], fontSize=size, maxlen=field.max_length,
            fieldFlags="multiline" if field.lines > 1 else "", borderWidth=0.6, borderColor=black,
            fillColor=FIELD_FILL, textColor=black)
        if value:
            self.values[field.name] = value
        return height

    def labelled(self, field: Field, value: str = "", hint: str | None = None) -> None:
        """Print a label in bold on the left and its field on the right, then move below both."""
        self.text(LEFT, french_spaces(f"{field.label} :"), 10, "bold")
        height = self.field(field, FIELD_X, RIGHT - FIELD_X, value)
        self.y -= height - 4
        if hint:
            self.y -= 8
            self.text(FIELD_X, french_spaces(hint), 8)
            self.y -= 8
        self.y -= 12

    def checkbox(self, name: str, label: str) -> None:
        """Add a check box with its label written on its right."""
        self.canvas.acroForm.checkbox(name=name, tooltip=label, x=LEFT, y=self.y - 3, size=12, buttonStyle="check",
                                      fieldFlags="", borderWidth=0.6, borderColor=black, fillColor=FIELD_FILL,
                                      textColor=black)
        self.text(LEFT + 18, french_spaces(label), 10)

    def finish(self) -> bytes:
        """Close the page and return the PDF, its fields holding their starting values."""
        self.canvas.showPage()
        self.canvas.save()
        drawn = PdfReader(io.BytesIO(self.canvas.getpdfdata()))
        writer = PdfWriter(clone_from=drawn)
        writer.pdf_header = drawn.pdf_header
        writer.update_page_form_field_values(writer.pages[0], self.values, auto_regenerate=False)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def subscription_form(structure_name: str, sender_name: str | None, region: str, today: date) -> bytes:
    """Return the SMS option's subscription form as a PDF with fillable fields, pre-filled with what Tutti knows."""
    canvas = Canvas(io.BytesIO(), pagesize=A4, pageCompression=1, pdfVersion=(1, 4), lang="fr-FR")
    canvas.setTitle(f"Souscription à l'option SMS · {structure_name}")
    canvas.setAuthor("Tutti")
    canvas.setCreator("Tutti")
    canvas.setSubject("Formulaire de souscription à l'option SMS")
    page = FormPage(canvas)
    day = f"{today:%d/%m/%Y}"
    page.text(LEFT, "Tutti", 12, "bold")
    page.text(RIGHT - 120, f"Le {day}", 10)
    page.y -= 40
    page.text(LEFT, "Formulaire de souscription à l'option SMS", 18, "bold")
    page.y -= 14
    canvas.setLineWidth(1.2)
    canvas.line(LEFT, page.y, RIGHT, page.y)
    page.y -= 26
    page.heading("La structure")
    page.labelled(STRUCTURE, structure_name)
    for field in (ADDRESS, CONTACT, EMAIL, PHONE):
        page.labelled(field)
    page.labelled(SENDER, sender_name or "", "3 à 11 lettres ou chiffres" if sender_name
                  else "à choisir : 3 à 11 lettres ou chiffres")
    page.labelled(COUNTRY, region)
    page.labelled(REQUEST_DATE, day)
    page.y -= 8
    page.heading("L'option SMS")
    for text in OPTION_TEXT:
        page.paragraph(text)
        page.y -= 6
    page.y -= 2
    page.checkbox(ACCEPT, ACCEPT_LABEL)
    page.y -= 30
    page.heading("Signature")
    page.text(LEFT, french_spaces(f"{SIGNATORY.label} :"), 10)
    page.field(SIGNATORY, LEFT + 160, RIGHT - LEFT - 160)
    page.y -= 24
    page.text(LEFT, french_spaces(f"{PLACE.label} :"), 10)
    page.field(PLACE, LEFT + 45, 205)
    page.text(LEFT + 270, french_spaces(f"{SIGNATURE_DATE.label} :"), 10)
    page.field(SIGNATURE_DATE, LEFT + 292, RIGHT - LEFT - 292, tooltip="Date de la signature")
    page.y -= 24
    page.text(LEFT, french_spaces(f"{SIGNATURE.label} :"), 10)
    page.y -= 16
    page.y -= page.field(SIGNATURE, LEFT, 260) + 6
    page.paragraph(RETURN_TEXT, 9)
    return page.finish()
