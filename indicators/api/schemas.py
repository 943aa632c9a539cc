"""OpenAPI descriptions of the value endpoints' parameters and bodies (drf-spectacular). The bodies are
built from values_list rows (indicators/api/formats.py); these serializers document them and are what
schemathesis checks the responses against."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer, inline_serializer
from rest_framework import serializers

from geo.models import Detail, Level
from indicators.models import Comparison, Sex
from indicators.models.choices import Suppression

CMP_CHOICES = [c for c in Comparison.values]
SUPPRESSION_CHOICES = [s for s in Suppression.values if s]

VALUES_DESCRIPTION = (
    "Every published value matching the filters, in a stable order (indicator, period, sex, level, area). "
    "Without `release` each indicator's current publication is read; `release=N` reads published release N. "
    "A withheld value (statistical secrecy or masked at source) has null value, limits, numerator and "
    "denominator, and no quantile, map class or comparison. JSON is paginated (limit <= 5000); CSV "
    "(`format=csv` or `Accept: text/csv`) holds every matching row; GeoJSON (`format=geojson`) needs one "
    "indicator and one level and joins one period's values (default: latest) to the level's geometries."
)
CSV_DESCRIPTION = (
    "UTF-8 with BOM, CRLF. Columns: indicator_code, indicator_label, area_code, area_name, area_level, "
    "parent_code, parent_name, period, sex, value, lower_ci_95, upper_ci_95, lower_ci_99_8, upper_ci_99_8, "
    "numerator, denominator, unit, note, compared_to_parent, compared_to_france, release. `dialect=excel-fr`: "
    "`;` separator and decimal comma."
)


def _q(name, description, example, *, type="string", **schema):
    """A documented query parameter; ``schema`` adds JSON-schema keywords (enum, pattern, minimum...)."""
    return OpenApiParameter(name, {"type": type, **schema}, OpenApiParameter.QUERY,
                            description=f"{description} Example: {example}.")


VALUE_PARAMETERS = [
    _q("indicator", "Indicator code(s), comma-separated or repeated (GET /api/v1/indicators/).", "mortalite-generale"),
    _q("level", "Geographic level of the areas.", "department", enum=Level.values),
    _q("area", "Area code(s), comma-separated or repeated; territories as <set code>:<area code>.", "29,56"),
    _q("parent", "Areas within this area: its direct children, or with `level` the areas of that level at any "
       "depth (communes of a region).", "53"),
    _q("parent_level", "Level of `parent` when its code is ambiguous (53: region Bretagne or department Mayenne).",
       "region", enum=Level.values),
    _q("period", "One period (2019, pooled 2017-2019), a range of years 2015..2020 (periods inside it) or latest "
       "(each indicator's last period).", "2019", pattern=r"^(latest|[0-9]{4}(-[0-9]{4})?|[0-9]{4}\.\.[0-9]{4})$"),
    _q("sex", "M (men), F (women) or T (both sexes).", "T", enum=Sex.values),
    _q("release", "Id of a published release (GET /api/v1/releases/); default: each indicator's current one.",
       "3", type="integer", minimum=1, maximum=2**31 - 1),
]
FORMAT_PARAMETERS = [
    _q("format", "Response format; also chosen by the Accept header.", "csv", enum=["json", "csv", "geojson"]),
    _q("dialect", "CSV dialect: default (`,` and `.`) or excel-fr (`;` and decimal comma).", "excel-fr",
       enum=["default", "excel-fr"]),
]
GEOJSON_PARAMETERS = [
    _q("detail", "GeoJSON only: geometry detail.", "national", enum=Detail.values),
    _q("insets", "GeoJSON only: overseas departments drawn beside metropolitan France (default: national "
       "region and department maps).", "true", enum=["true", "false"]),
]


@extend_schema_serializer(component_name="ValueFlags")
class FlagsSerializer(serializers.Serializer):
    suppressed = serializers.BooleanField(help_text="Withheld: statistical secrecy or masked at source.")
    suppression = serializers.ChoiceField(choices=SUPPRESSION_CHOICES, allow_null=True,
                                          help_text="Why it is withheld: primary (count under the threshold), "
                                                    "complementary (would reveal another), masked_at_source.")
    masked_at_source = serializers.BooleanField(help_text="The publisher masked the figure (e.g. CNAM's <10).")
    unreliable = serializers.BooleanField(help_text="Computed on too few events to be reliable.")
    not_computable = serializers.BooleanField(help_text="The method cannot give a value for this group.")
    simulated = serializers.BooleanField(help_text="Computed from simulated data, not observations.")


def _num(text):
    return serializers.FloatField(allow_null=True, help_text=text)


@extend_schema_serializer(component_name="PublishedValue")
class ValueSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="Indicator code.")
    indicator_label = serializers.CharField(help_text="Indicator name in the request's language.")
    area_code = serializers.CharField(help_text="Area code (territories: <set code>:<area code>).")
    area_name = serializers.CharField(help_text="Area name (COG 2026).")
    area_level = serializers.ChoiceField(choices=Level.choices, help_text="Geographic level of the area.")
    parent_code = serializers.CharField(allow_null=True, help_text="Code of the area it is compared with.")
    parent_name = serializers.CharField(allow_null=True, help_text="Name of that parent area.")
    period = serializers.CharField(help_text="Year (2019) or pooled years (2017-2019).")
    sex = serializers.ChoiceField(choices=Sex.choices, help_text="M, F or T (both sexes).")
    value = _num("The value; null when withheld or not computable.")
    lower_ci_95 = _num("Lower limit of the 95% confidence interval.")
    upper_ci_95 = _num("Upper limit of the 95% confidence interval.")
    lower_ci_99_8 = _num("Lower limit of the 99.8% confidence interval.")
    upper_ci_99_8 = _num("Upper limit of the 99.8% confidence interval.")
    numerator = _num("Events counted; null when withheld.")
    denominator = _num("Population at risk; null when withheld.")
    unit = serializers.CharField(allow_blank=True, help_text="Unit of the value (pour 100 000 habitants).")
    flags = FlagsSerializer(help_text="Why a value is missing, withheld, unreliable or simulated.")
    compared_to_parent = serializers.ChoiceField(choices=CMP_CHOICES, allow_null=True,
                                                 help_text="Against the parent area (better, similar, worse, "
                                                           "lower, higher, not_compared); null if none.")
    compared_to_france = serializers.ChoiceField(choices=CMP_CHOICES, allow_null=True,
                                                 help_text="Against France, same labels.")
    quantile = serializers.IntegerField(allow_null=True, help_text="Quintile 1-5 among areas of the same level.")
    map_class = serializers.IntegerField(allow_null=True, help_text="Map colour class 1-5.")
    release = serializers.IntegerField(help_text="Id of the release holding the value.")


PaginatedValueSerializer = inline_serializer("PaginatedValueList", {
    "count": serializers.IntegerField(help_text="Number of values matching the filters (all pages)."),
    "next": serializers.CharField(allow_null=True, help_text="Link to the next page (relative); null on the last."),
    "previous": serializers.CharField(allow_null=True, help_text="Link to the previous page; null on the first."),
    "results": ValueSerializer(many=True, help_text="The values of this page."),
})

ErrorResponse = OpenApiResponse(
    inline_serializer("ParameterError", {
        "detail": serializers.CharField(required=False, help_text="What went wrong, when not about one parameter."),
    }),
    description="A parameter names nothing that exists or is malformed: the body maps the parameter to messages "
                "naming the accepted values, e.g. {\"sex\": [\"... Valeurs acceptées : M, F, T.\"]}.",
)

_FEATURE_PROPERTIES = {
    "code": serializers.CharField(help_text="Area code."),
    "name": serializers.CharField(help_text="Area name."),
    "level": serializers.ChoiceField(choices=Level.choices, help_text="Geographic level."),
    "indicator": serializers.CharField(help_text="Indicator code."),
    "period": serializers.CharField(allow_null=True, help_text="Period of the value; null: no value for the area."),
    "sex": serializers.CharField(allow_null=True, help_text="Sex of the value."),
    "value": _num("The value; null when withheld, not computable or absent."),
    "lower_ci_95": _num("Lower 95% limit."), "upper_ci_95": _num("Upper 95% limit."),
    "lower_ci_99_8": _num("Lower 99.8% limit."), "upper_ci_99_8": _num("Upper 99.8% limit."),
    "numerator": _num("Events; null when withheld."), "denominator": _num("Population; null when withheld."),
    "suppressed": serializers.BooleanField(help_text="Withheld."),
    "suppression": serializers.CharField(allow_null=True, help_text="Why withheld."),
    "unreliable": serializers.BooleanField(help_text="Too few events."),
    "not_computable": serializers.BooleanField(help_text="No value can be computed."),
    "simulated": serializers.BooleanField(help_text="Computed from simulated data."),
    "compared_to_parent": serializers.CharField(allow_null=True, help_text="Against the parent area."),
    "compared_to_france": serializers.CharField(allow_null=True, help_text="Against France."),
    "quantile": serializers.IntegerField(allow_null=True, help_text="Quintile 1-5."),
    "map_class": serializers.IntegerField(allow_null=True, help_text="Map class 1-5."),
    "release": serializers.IntegerField(allow_null=True, help_text="Release of the value."),
    "note": serializers.CharField(allow_blank=True, help_text="Why withheld, unreliable or simulated."),
}
ValueFeatureCollection = inline_serializer("ValueFeatureCollection", {
    "type": serializers.CharField(help_text="Always FeatureCollection."),
    "features": inline_serializer("ValueFeature", {
        "type": serializers.CharField(help_text="Always Feature."),
        "id": serializers.CharField(help_text="Area code."),
        "properties": inline_serializer("ValueFeatureProperties", _FEATURE_PROPERTIES,
                                        help_text="The area and its value."),
        "geometry": serializers.JSONField(help_text="GeoJSON Polygon or MultiPolygon, WGS84 lon/lat."),
    }, many=True, help_text="One feature per area of the level with a geometry."),
})
