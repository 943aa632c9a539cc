"""Django-free, vectorised public-health statistics (rates, proportions, means, standardisation ...).

Methods follow PHEindicatormethods 2.1.0 (UKHSA); docs/methods/ has one page per method with its sources.
"""

from ._validation import StatsInputError

# stats1: crude rate, proportion, mean, DSR, indirect standardisation
from ._core import ci_tag, confidence_levels, poisson_limits, wilson_limits, z_value
from .dsr import dsr
from .indirect import icm, isr, smr
from .means import mean
from .proportions import proportion
from .rates import crude_rate
from .ratios import ratio_to_reference
# end stats1

# stats2: life expectancy, quantiles, significance, trend, standard populations, re-banding
from .life_expectancy import life_expectancy  # noqa: E402
from .quantiles import quantiles  # noqa: E402
from .significance import compare_with_comparator, funnel_significance  # noqa: E402
from .funnels import funnel_limits  # noqa: E402
from .trend import recent_trend  # noqa: E402
from .rebanding import BandError, format_band, parse_band, reband_array, reband_frame, reband_matrix  # noqa: E402
from .standard_populations import esp2013, population_weights  # noqa: E402
