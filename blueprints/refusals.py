"""The words of the domain's refusals: each code's French text, and `words`, which says a Refusal to the reader.

tutti/ refuses with a code and values (`Refusal("login_taken", login="zoe")`); this catalogue holds the French text
of each code, marked for extraction, with %(name)s placeholders for its values (and a singular and plural pair,
counted on `num`, where a count is involved). Numbers are written the reader's way; a value that names a label of the
domain (a rights module) is translated too. tests/test_i18n.py checks that every code tutti/ raises is listed here.
"""

from __future__ import annotations

from flask_babel import force_locale, get_translations, gettext

from blueprints.i18n import DEFAULT_LANGUAGE, N_, NP_
from blueprints.ui import format_number
from tutti.models import MODULES
from tutti.refusals import Refusal, Refused

MESSAGES: dict[str, str | tuple[str, str]] = {
    # tutti/accounts/
    "login_invalid": N_("L'identifiant compte de 3 à 40 caractères : lettres minuscules sans accent, chiffres, point "
                        "(.), tiret (-) ou tiret bas (_)."),
    "login_taken": N_("L'identifiant « %(login)s » est déjà utilisé : choisissez-en un autre."),
    "login_or_person_taken": N_("L'identifiant « %(login)s » ou cette personne a déjà un compte."),
    "person_has_account": N_("%(name)s a déjà un compte."),
    "account_has_history": N_("Ce compte est l'auteur d'envois SMS ou de modifications que l'historique doit "
                              "garder : il ne peut pas être supprimé. Désactivez-le plutôt."),
    "account_still_referenced": N_("Ce compte est encore référencé par l'historique : il ne peut pas être supprimé. "
                                   "Désactivez-le plutôt."),
    "rights_module_unknown": N_("Module de droits inconnu : « %(name)s ». Aucun droit n'a été modifié."),
    "rights_level_invalid": N_("Niveau de droit invalide pour « %(module)s » : choisissez Aucun, Lecture ou Lecture "
                               "écriture. Aucun droit n'a été modifié."),
    "password_too_short": N_("Le mot de passe doit contenir au moins %(min)s caractères."),
    "password_edge_space": N_("Le mot de passe ne peut pas commencer ni finir par un espace."),
    "password_contains_login": N_("Le mot de passe ne doit pas contenir l'identifiant."),
    "password_too_simple": N_("Le mot de passe est trop simple : variez les caractères."),
    "account_disabled": N_("Ce compte est désactivé : réactivez-le avant de redéfinir son mot de passe."),
    "reset_link_invalid": N_("Ce lien n'est plus valable : il a déjà servi, a expiré ou a été remplacé. Demandez un "
                             "nouveau lien à l'administrateur de votre structure."),
    "reset_link_just_used": N_("Ce lien vient d'être utilisé : il ne sert qu'une fois."),
    # what an id names nowhere in the structure
    "account_not_found": N_("Compte introuvable."),
    "structure_not_found": N_("Structure introuvable."),
    "person_not_found": N_("Personne introuvable."),
    "order_not_found": N_("Commande introuvable."),
    "contact_request_not_found": N_("Demande introuvable."),
    "key_not_found": N_("Clé introuvable."),
    # tutti/structures/
    "structure_name_length": N_("Le nom de la structure compte de 2 à 200 caractères."),
    "structure_name_taken": N_("Une structure s'appelle déjà « %(name)s »."),
    "sender_name_invalid": N_("Le nom d'expéditeur compte de 3 à 11 caractères, lettres sans accent et chiffres "
                              "uniquement, sans espace, avec au moins une lettre (par exemple « EMSAUBIN »)."),
    "region_unknown": N_("Choisissez un pays dans la liste."),
    "window_policy_unknown": N_("Choisissez l'une des deux façons de traiter un envoi hors des horaires conseillés."),
    "threshold_out_of_range": N_("Le seuil d'alerte est un nombre de SMS entre 0 et %(max)s."),
    "credit_pack_unknown": N_("Choisissez l'un des packs proposés : 100, 500, 1 000 ou 5 000 SMS."),
    "sms_option_missing": N_("Votre structure n'a pas souscrit à l'option SMS : souscrivez-la avant de commander du "
                             "crédit."),
    "operator_only": N_("Seul l'opérateur de la plateforme valide ou refuse les commandes de crédit."),
    "contact_subject_unknown": N_("Choisissez l'objet de votre demande dans la liste."),
    "contact_message_length": N_("Écrivez votre message (%(max)s caractères au plus)."),
    # tutti/directory/
    "names_required": N_("Le prénom et le nom sont obligatoires (100 caractères au plus)."),
    "sexe_invalid": N_("Le sexe est « F », « M » ou laissé vide."),
    # tutti/embedding/
    "key_name_length": N_("Donnez un nom à la clé (de 1 à %(max)s caractères), par exemple le nom du portail."),
    "origin_invalid": N_("« %(origin)s » n'est pas une origine : écrivez par exemple « https://portail.exemple.fr » "
                         "(sans chemin)."),
    "too_many_origins": N_("Au plus %(max)s origines."),
    "batch_empty": N_("Envoyez une liste non vide d'éléments."),
    "batch_too_large": N_("Au plus %(max)s éléments par envoi."),
    "batch_conflict": N_("Un autre envoi a modifié les mêmes éléments au même moment : renvoyez celui-ci."),
    "item_not_object": N_("Chaque élément est un objet JSON."),
    "field_unknown": N_("Champ inconnu : « %(name)s »."),
    "external_id_required": N_("L'identifiant externe est obligatoire (%(max)s caractères au plus)."),
    "external_id_twice": N_("L'identifiant externe « %(external_id)s » figure deux fois."),
    "first_name_required": N_("Le prénom est obligatoire (%(max)s caractères au plus)."),
    "last_name_required": N_("Le nom est obligatoire (%(max)s caractères au plus)."),
    "mobile_too_long": N_("Le mobile est un texte de %(max)s caractères au plus (ou vide)."),
    "archived_not_boolean": N_("« archived » vaut true ou false."),
    "tags_not_list": N_("« tags » est une liste d'identifiants externes de tags."),
    "tag_name_required": N_("Le nom du tag est obligatoire (%(max)s caractères au plus)."),
    "tag_name_taken": N_("Un autre tag s'appelle déjà « %(name)s »."),
    "tag_unknown": N_("Tag inconnu : « %(external_id)s » (envoyez d'abord les tags)."),
    # tutti/sms/campaigns.py: what is wrong with a message
    "message_too_long": N_("Votre message dépasse %(max)s caractères."),
    "message_too_long_by": NP_("Votre message dépasse %(max)s caractères de %(num)s caractère.",
                               "Votre message dépasse %(max)s caractères de %(num)s caractères."),
    "message_empty": N_("Saisissez votre message : un SMS ne peut pas être vide."),
    "message_control_characters": N_("Votre message contient des caractères de contrôle invisibles : retirez-les."),
    "message_illegible": N_("Votre message contient des caractères illisibles (�) : retapez-les."),
    # tutti/sms/recipients.py: why a selected person receives nothing
    "no_mobile": N_("pas de mobile"),
    "number_invalid": N_("numéro invalide"),
    "number_landline": N_("numéro fixe"),
    "opted_out": N_("désinscrit (STOP)"),
    "same_number_as": N_("même numéro que %(name)s"),
}

# Values that name a label of the domain, by the table their French label comes from: translated like the text.
LABELS = {"module": MODULES}


def _value(name: str, value: object) -> str:
    if name in LABELS:
        return gettext(LABELS[name][value])
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


def words(refusal: Refusal) -> str:
    """Say a refusal in the reader's language, its numbers written the reader's way."""
    message = MESSAGES[refusal.code]
    values = {name: _value(name, value) for name, value in refusal.values}
    if isinstance(message, tuple):
        return get_translations().ungettext(*message, refusal["num"]) % values
    return gettext(message, **values)


def all_words(refused: Refused) -> list[str]:
    """Say each reason of a refused change in the reader's language."""
    return [words(r) for r in refused.refusals]


def sentence(refused: Refused) -> str:
    """Say every reason of a refused change in the reader's language, as one text."""
    return " ".join(all_words(refused))


def french(refusal: Refusal) -> str:
    """Say a refusal in French, whatever the reader's language: the API's text, the command line's."""
    with force_locale(DEFAULT_LANGUAGE):
        return words(refusal)
