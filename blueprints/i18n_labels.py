"""The French labels of the domain (tutti/), listed for the catalogue, and `translate`, which says one on screen.

tutti/ imports no Flask: its labels (states, modules, levels, kinds of credit movement) are plain French words there,
translated at the edge by the `translate` template filter. Extraction only finds strings written inside a call, so
each of them is repeated below in N_(). A label never carries a value: what the domain says with values is a
`Refusal`, worded by blueprints/refusals.py. tests/test_i18n.py checks that every label of the domain is listed here,
so a label changed in tutti/ without its line here fails the suite rather than showing French on an English page.
"""

from __future__ import annotations

from flask_babel import gettext

from blueprints.i18n import N_

LABELS = [
    # tutti/models/sms.py MESSAGE_LABELS and CAMPAIGN_LABELS
    N_("en attente"), N_("envoyé"), N_("reçu"), N_("non reçu"), N_("expiré"), N_("rejeté"), N_("échec"),
    N_("inconnu"), N_("annulé"), N_("programmé"), N_("en cours"), N_("terminé"),
    # tutti/sms/credit.py KIND_LABELS
    N_("Crédit initial"), N_("Réapprovisionnement"), N_("Réservation"), N_("Débit"), N_("Libération"),
    # tutti/models/accounts.py MODULES and LEVELS
    N_("Communication - SMS"), N_("Personnes"), N_("Aucun"), N_("Lecture"), N_("Lecture écriture"),
    # tutti/models/structures.py ORDER_LABELS
    N_("validée"), N_("refusée"),
    # tutti/window.py POLICIES
    N_("Prévenir, et laisser envoyer tout de suite"), N_("Prévenir, et proposer de programmer l'envoi"),
    # tutti/structures/contact_requests.py CONTACT_SUBJECTS
    N_("Souscrire à l'option SMS"), N_("Crédit SMS"), N_("Autre question"),
]


def translate(label: str) -> str:
    """Say a plain French label (of the domain, a menu, the audit log) in the reader's language."""
    return gettext(label) if label else label
