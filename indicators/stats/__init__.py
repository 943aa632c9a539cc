"""Django-free, vectorised public-health statistics (rates, proportions, means, standardisation ...).

Methods follow PHEindicatormethods 2.1.0 (UKHSA); docs/methods/ has one page per method with its sources.
"""

from ._validation import StatsInputError

# stats1: crude rate, proportion, mean, DSR, indirect standardisation
