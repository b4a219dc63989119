"""The subscription form: a real PDF that opens, with the structure's details in fields a school fills on screen."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from pypdf.generic import NameObject
from reportlab.pdfbase.pdfmetrics import stringWidth

from tutti import pdf

NAME = "École de musique (Saint-Aubin) \\ Œuvre"

# Every field, with the French label a viewer shows beside it (its tooltip) and its kind.
FIELDS = {
    "nom_structure": ("Nom de la structure", "/Tx"),
    "adresse": ("Adresse", "/Tx"),
    "personne_contact": ("Personne à contacter", "/Tx"),
    "email": ("Adresse e-mail", "/Tx"),
    "telephone": ("Téléphone", "/Tx"),
    "nom_expediteur": ("Nom d'expéditeur des SMS", "/Tx"),
    "pays": ("Pays des numéros de téléphone", "/Tx"),
    "date_demande": ("Date de la demande", "/Tx"),
    "accepte_conditions": ("La structure accepte les conditions de l'option SMS ci-dessus.", "/Btn"),
    "signataire": ("Nom et qualité du signataire", "/Tx"),
    "fait_a": ("Fait à", "/Tx"),
    "date_signature": ("Date de la signature", "/Tx"),
    "signature": ("Signature et cachet de la structure", "/Tx"),
}
PREFILLED = {"nom_structure": NAME, "nom_expediteur": "EMSAUBIN", "pays": "France", "date_demande": "25/11/2026"}


@pytest.fixture
def document() -> bytes:
    return pdf.subscription_form(NAME, "EMSAUBIN", "France", date(2026, 11, 25))


def _reader(document: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(document), strict=True)


def _page_text(document: bytes) -> str:
    return _reader(document).pages[0].extract_text().replace("\u00a0", " ")


def _drawn(document: bytes) -> dict[str, str]:
    """Return the text each text field's appearance draws (what a viewer shows and prints), by field name."""
    writer = pypdf.PdfWriter(clone_from=_reader(document))
    page = writer.pages[0]
    drawn = {}
    for annotation in page["/Annots"]:
        widget = annotation.get_object()
        if widget["/FT"] != "/Tx":
            continue
        appearance = widget["/AP"]["/N"].get_object()
        page[NameObject("/Resources")] = appearance["/Resources"]
        page[NameObject("/Contents")] = appearance.indirect_reference
        drawn[widget["/T"]] = page.extract_text()
    return drawn


def test_subscription_form_is_pdf(document):
    assert document.startswith(b"%PDF-1.4") and document.rstrip().endswith(b"%%EOF")


def test_subscription_form_parses_with_pypdf(document):
    reader = _reader(document)
    assert len(reader.pages) == 1
    assert reader.metadata.title == f"Souscription à l'option SMS · {NAME}"


def test_subscription_form_holds_what_a_school_needs_to_read(document):
    text = _page_text(document)
    for words in ("Formulaire de souscription à l'option SMS", "Le 25/11/2026", "La structure", "L'option SMS",
                  "souscrit à l'option SMS de Tutti", "(« Communication - SMS », « Lecture écriture »)",
                  "« .STOP 36608 »", "Un message de 149 caractères standards coûte 1 SMS par destinataire",
                  "les numéros fixes, invalides ou désinscrits ne coûtent rien",
                  "packs de 100, 500, 1 000 ou 5 000 SMS depuis la page « Crédit SMS »",
                  "entre 8 h et 20 h, du lundi au samedi, hors jours fériés", "Signature",
                  "Renvoyez ce formulaire signé à l'opérateur de la plateforme",
                  "L'option est activée dès réception."):
        assert words in " ".join(text.split()), words
    for name, (label, kind) in FIELDS.items():  # every field has its label printed beside it
        if name != "date_signature":
            assert label in text, label
    assert "le :" in text


def test_subscription_form_fields_exist_with_french_labels(document):
    fields = _reader(document).get_fields()
    assert set(fields) == set(FIELDS)
    for name, (label, kind) in FIELDS.items():
        assert fields[name]["/TU"] == label and fields[name]["/FT"] == kind
        assert not fields[name].get("/Ff", 0) & 1  # not read-only


def test_subscription_form_fields_start_with_the_structure_details(document):
    fields = _reader(document).get_fields()
    for name in FIELDS:
        expected = PREFILLED.get(name, "/Off" if FIELDS[name][1] == "/Btn" else "")
        assert fields[name].get("/V", "") == expected, name


def test_subscription_form_fields_draw_their_values(document):
    # What a viewer shows and prints: accents, Œ, parentheses and backslash through the form font's encoding.
    assert _drawn(document) == {name: PREFILLED.get(name, "") for name, (_, kind) in FIELDS.items() if kind == "/Tx"}


def test_subscription_form_without_sender_name_leaves_it_to_choose():
    document = pdf.subscription_form("Harmonie", None, "France", date(2026, 11, 25))
    assert _reader(document).get_fields()["nom_expediteur"].get("/V", "") == ""
    assert "à choisir : 3 à 11 lettres ou chiffres" in _page_text(document)


def test_subscription_form_can_be_filled_and_read_back(document):
    writer = pypdf.PdfWriter(clone_from=_reader(document))
    filled = {"adresse": "12 rue des Lilas\n75011 Paris", "personne_contact": "Anaïs Lœvenbruck",
              "email": "secretariat@ecole.example", "telephone": "01 23 45 67 89", "nom_expediteur": "EMSAUBIN",
              "signataire": "Chloé Martin, présidente", "fait_a": "Saint-Aubin", "date_signature": "26/11/2026",
              "accepte_conditions": "/Yes"}
    writer.update_page_form_field_values(writer.pages[0], filled, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    fields = _reader(out.getvalue()).get_fields()
    assert {name: fields[name]["/V"] for name in filled} == filled
    assert fields["nom_structure"]["/V"] == NAME  # the others keep theirs
    drawn = _drawn(out.getvalue())
    assert drawn["personne_contact"] == "Anaïs Lœvenbruck" and drawn["pays"] == "France"


def test_subscription_form_shrinks_a_long_name_rather_than_cutting_it():
    name = "Association culturelle et musicale intercommunale des vallées de la Haute-Loire et du Velay"
    document = pdf.subscription_form(name, None, "France", date(2026, 11, 25))
    field = _reader(document).get_fields()["nom_structure"]
    assert field["/V"] == name and _drawn(document)["nom_structure"] == name
    widget = _reader(document).pages[0]["/Annots"][0].get_object()
    size = float(widget["/DA"].split()[1])
    left, _, right, _ = (float(v) for v in widget["/Rect"])
    assert pdf.SMALLEST_FIELD_SIZE <= size < pdf.FIELD_SIZE
    assert stringWidth(name, "Helvetica", size) <= right - left - 4
