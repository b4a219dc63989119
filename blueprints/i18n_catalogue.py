"""Rebuild the translation catalogues: `make translations`, or `python -m blueprints.i18n_catalogue`.

1. Extract every text to translate from templates/ and blueprints/ (babel.cfg) into a fresh template.
2. Update translations/en/LC_MESSAGES/messages.po from it: a new text arrives with an empty msgstr, to translate.
3. Write the French catalogue. French is the source, so each msgstr is its msgid; the catalogue exists for French
   plural forms, which gettext would otherwise take from English (« 0 personnes » where French says « 0 personne »).
4. Compile both into messages.mo, kept in the repository: no install step has to compile them.

Steps 1, 2 and 4 are plain pybabel, from the repository's root (step 3 is this module's `french`):
    pybabel extract -F babel.cfg -k lazy_gettext -k _l -k NP_:1,2 --add-location=file -o /tmp/messages.pot .
    pybabel update -i /tmp/messages.pot -d translations -l en -w 120 --no-fuzzy-matching --ignore-obsolete
    pybabel compile -d translations
"""

from __future__ import annotations

import os
import sys
import tempfile

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRANSLATIONS = os.path.join(ROOT, "translations")
KEYWORDS = ["-k", "lazy_gettext", "-k", "_l", "-k", "NP_:1,2"]
FRENCH_PLURALS = (2, "(n > 1)")
TRANSLATED = ["en"]  # languages translated by hand; French, the source, is written from the template


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def po_path(language: str) -> str:
    """Return the path of a language's catalogue."""
    return os.path.join(TRANSLATIONS, language, "LC_MESSAGES", "messages.po")


def extract(pot: str) -> Catalog:
    """Extract the texts to translate into `pot`, and return them."""
    cwd = os.getcwd()
    os.chdir(ROOT)  # locations relative to the repository
    try:
        _pybabel("extract", "-F", "babel.cfg", *KEYWORDS, "--add-location=file", "--project=Tutti", "-o", pot, ".")
    finally:
        os.chdir(cwd)
    with open(pot, "rb") as f:
        return read_po(f)


def french(template: Catalog) -> Catalog:
    """Return the French catalogue: every msgstr is its msgid, with French plural rules."""
    catalog = Catalog(locale="fr", project="Tutti", version="0.1.0", fuzzy=False, msgid_bugs_address="",
                      last_translator="Tutti", language_team="Tutti", creation_date=template.creation_date,
                      revision_date=template.creation_date,
                      header_comment="# French, the source language: written by blueprints/i18n_catalogue.py, "
                                     "do not edit.\n# It gives gettext the French plural rule.")
    # The French rule as gettext has always written it: newer CLDR data (Babel 2.19) adds a third form for
    # « 1 000 000 », which the catalogue would then carry untranslated for every plural text.
    catalog._num_plurals, catalog._plural_expr = FRENCH_PLURALS
    for message in template:
        if message.id:
            catalog.add(message.id, message.id, locations=message.locations, flags=message.flags - {"fuzzy"})
    return catalog


def compile_catalogue(po: str, mo: str) -> None:
    """Compile one .po file into a .mo file."""
    with open(po, "rb") as f:
        catalog = read_po(f)
    with open(mo, "wb") as f:
        write_mo(f, catalog)


def _write_french(template: Catalog) -> None:
    path = po_path("fr")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, french(template), width=120, omit_header=False)


def main() -> None:
    """Extract, update, write the French catalogue and compile."""
    with tempfile.TemporaryDirectory() as folder:
        pot = os.path.join(folder, "messages.pot")
        template = extract(pot)
        for language in TRANSLATED:
            action = "update" if os.path.exists(po_path(language)) else "init"
            extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []
            _pybabel(action, "-i", pot, "-d", TRANSLATIONS, "-l", language, "-w", "120", *extra)
        _write_french(template)
    for language in [*TRANSLATED, "fr"]:
        compile_catalogue(po_path(language), po_path(language)[:-3] + ".mo")
    with open(po_path("en"), "rb") as f:
        missing = [m.id for m in read_po(f) if m.id and not (all(m.string) if m.pluralizable else m.string)]
    if missing:
        print(f"{len(missing)} texts to translate in {po_path('en')}", file=sys.stderr)


if __name__ == "__main__":
    main()
