"""Short string codes shared by observations, indicators and values (see docs/catalog.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MEN = "M", _("Hommes")
    WOMEN = "F", _("Femmes")
    BOTH = "T", _("Ensemble")


class Polarity(models.TextChoices):
    HIGH_IS_GOOD = "high_is_good", _("Une valeur élevée est favorable")
    LOW_IS_GOOD = "low_is_good", _("Une valeur basse est favorable")
    NONE = "none", _("Sans orientation")


class Comparison(models.TextChoices):
    BETTER = "better", _("Meilleur")
    SIMILAR = "similar", _("Semblable")
    WORSE = "worse", _("Moins bon")
    LOWER = "lower", _("Plus bas")
    HIGHER = "higher", _("Plus haut")
    NOT_COMPARED = "not_compared", _("Non comparé")


class Method(models.TextChoices):
    COUNT = "count", _("Effectif")
    CRUDE_RATE = "crude_rate", _("Taux brut")
    PROPORTION = "proportion", _("Proportion")
    MEAN = "mean", _("Moyenne")
    DSR = "dsr", _("Taux standardisé (méthode directe)")
    ISR = "isr", _("Taux standardisé (méthode indirecte)")
    SMR = "smr", _("Indice comparatif (SMR)")
    LIFE_EXPECTANCY = "life_expectancy", _("Espérance de vie")
    DENSITY = "density", _("Densité")
    RATIO = "ratio", _("Rapport à une période de référence")
    PUBLISHED = "published", _("Valeur publiée par le producteur")


class Pooling(models.IntegerChoices):
    ONE = 1, _("1 an")
    THREE = 3, _("3 ans cumulés")
    FIVE = 5, _("5 ans cumulés")


class Suppression(models.TextChoices):
    """Why a value is withheld; "" when it is published (docs/methods/disclosure.md)."""

    NONE = "", _("Publiée")
    PRIMARY = "primary", _("Secret statistique (effectif < seuil)")
    COMPLEMENTARY = "complementary", _("Secret statistique (suppression complémentaire)")
    MASKED_AT_SOURCE = "masked_at_source", _("Masquée par le producteur")
