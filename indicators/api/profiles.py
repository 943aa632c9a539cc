"""An area's profile over the API: JSON (``indicators.selectors.profiles.area_profile``) and CSV, one row per
indicator and area (the area, then its parent, region and France), the values CSV's columns with the theme,
the role and the recent trend."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from config.api_csv import table_csv
from config.api_params import LanguageFromRequestMixin, choice_param, int_param, param_error
from config.api_renderers import CSVRenderer
from geo.models import Level
from geo.selectors import AreaNotFound, area_get
from indicators.api import formats
from indicators.api.common import cached_csv, cached_json
from indicators.api.schemas import ErrorResponse, _num, _q
from indicators.selectors import profiles
from indicators.selectors.values import ValueFilterError

PROFILE_CSV_COLUMNS = (formats.VALUE_CSV_COLUMNS[:2] + ["theme", "role"] + formats.VALUE_CSV_COLUMNS[2:]
                       + ["trend"])

_BRIEF = inline_serializer("ProfileValue", {
    "area_code": serializers.CharField(help_text="Area code."), "area_name": serializers.CharField(help_text="Name."),
    "area_level": serializers.CharField(help_text="Level."),
    "value": _num("Value; null when withheld."),
    "lower_ci_95": _num("Lower 95% limit."), "upper_ci_95": _num("Upper 95% limit."),
    "lower_ci_99_8": _num("Lower 99.8% limit."), "upper_ci_99_8": _num("Upper 99.8% limit."),
    "numerator": _num("Events; null when withheld."), "denominator": _num("Population; null when withheld."),
    "suppressed": serializers.BooleanField(help_text="Withheld."),
    "unreliable": serializers.BooleanField(help_text="Too few events."),
}, allow_null=True, help_text="A value of the same period and sex; null where there is none.")
_AREA = inline_serializer("ProfileArea", {
    "level": serializers.CharField(help_text="Level."), "code": serializers.CharField(help_text="Code."),
    "name": serializers.CharField(help_text="Name."),
}, allow_null=True, help_text="An area.")
ProfileSerializer = inline_serializer("AreaProfile", {
    "area": _AREA,
    "parent": _AREA.__class__(allow_null=True, help_text="The administrative parent (null for a region or France)."),
    "region": _AREA.__class__(allow_null=True, help_text="The region the area lies in (null for a region or France)."),
    "indicators": inline_serializer("ProfileIndicator", {
        "indicator": serializers.CharField(help_text="Indicator code."),
        "indicator_label": serializers.CharField(help_text="Name in the request's language."),
        "theme": serializers.CharField(help_text="Theme."), "unit": serializers.CharField(help_text="Unit."),
        "polarity": serializers.CharField(help_text="Whether high values are good."),
        "period": serializers.CharField(help_text="The area's latest period with a value."),
        "sex": serializers.CharField(help_text="T (both sexes) where published, else the first sex published."),
        "simulated": serializers.BooleanField(help_text="Computed from simulated data."),
        "area": _BRIEF, "parent": _BRIEF, "region": _BRIEF, "france": _BRIEF,
        "compared_to_parent": serializers.CharField(allow_null=True, help_text="Against the parent."),
        "compared_to_france": serializers.CharField(allow_null=True, help_text="Against France."),
        "trend": inline_serializer("ProfileTrend", {
            "label": serializers.CharField(help_text="Recent trend over the last 5 periods (99.8%), judged by polarity."),
            "points": inline_serializer("TrendPoint", {
                "period": serializers.CharField(help_text="Period."),
                "value": serializers.FloatField(allow_null=True, help_text="Value; null when withheld."),
            }, many=True, help_text="The last values, oldest first."),
        }, help_text="Recent trend."),
        "spread": inline_serializer("ProfileSpread", {
            "level": serializers.CharField(help_text="The area's level, whose values these are."),
            "min": serializers.FloatField(help_text="Lowest published value."),
            "q1": serializers.FloatField(help_text="25th percentile."),
            "median": serializers.FloatField(help_text="Median."),
            "q3": serializers.FloatField(help_text="75th percentile."),
            "max": serializers.FloatField(help_text="Highest published value."),
            "count": serializers.IntegerField(help_text="Published values (withheld ones are not counted)."),
        }, allow_null=True, help_text=(
            "How the published values of every area of the same level spread for the same period and sex "
            "(the territory page's spine chart); null when none is published.")),
        "release": serializers.IntegerField(help_text="Release of the values."),
    }, many=True, help_text="Every indicator with a value for the area."),
})


def profile_csv(level: str, code: str, release: int | None, dialect: str) -> bytes:
    profile = profiles.profile_of(area_get(level, code), release=release)
    language, decimal_comma = get_language(), dialect == "excel-fr"
    records = []
    for line in profile.lines:
        rows = [("area", line.latest)] + [(role, row) for (role, _a), row in zip(profile.references, line.references)
                                          if row]
        for role, row in rows:
            record = formats.value_csv_record(row, line.info, language, decimal_comma)
            records.append(record[:2] + [line.info.theme, role] + record[2:]
                           + [line.trend if role == "area" else ""])
    return table_csv(PROFILE_CSV_COLUMNS, records, dialect)


class AreaProfileView(LanguageFromRequestMixin, APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="profiles_retrieve",
        summary="Area profile: latest values beside the parent's, the region's and France's",
        parameters=[OpenApiParameter("level", str, OpenApiParameter.PATH, enum=Level.values),
                    OpenApiParameter("code", str, OpenApiParameter.PATH, description="Area code (territories: <set>:<code>)."),
                    _q("release", "A published release instead of the current publications.", "3", type="integer",
                       minimum=1, maximum=2**31 - 1),
                    _q("format", "json or csv (also by Accept).", "csv", enum=["json", "csv"]),
                    _q("dialect", "CSV dialect: default (`,` and `.`) or excel-fr (`;` and decimal comma).",
                       "excel-fr", enum=list(formats.DIALECTS))],
        responses={(200, "application/json"): ProfileSerializer,
                   (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=(
                       "One row per indicator and area (role: area, parent, region, france): "
                       + ", ".join(PROFILE_CSV_COLUMNS) + ".")),
                   (400, "application/json"): ErrorResponse,
                   (404, "application/json"): OpenApiResponse(description="Unknown area.")})
    def get(self, request, level: str, code: str):
        if level not in Level.values:
            raise Http404(f"unknown level {level!r}")
        params = request.query_params
        release = int_param(params, "release", None, minimum=1, maximum=2**31 - 1)
        parsed = {"level": level, "code": code, "release": release}

        def guarded(build):
            try:
                return build()
            except AreaNotFound as exc:
                raise Http404(str(exc)) from None
            except ValueFilterError as exc:
                raise param_error(exc.param, exc.value, exc.accepted) from None

        if request.accepted_renderer.format == "csv":
            dialect = choice_param(params, "dialect", formats.DIALECTS, "default")
            name = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"profil-{level}-{code}")[:100]
            return cached_csv(request, {**parsed, "dialect": dialect},
                              lambda: guarded(lambda: profile_csv(level, code, release, dialect)), f"{name}.csv")
        return cached_json(request, parsed, lambda: guarded(lambda: profiles.area_profile(
            level, code, release=release, language=get_language())))
