"""Runs and published indicator values over the REST API; serializers live beside their views.

POST /runs/ needs a staff account with ``indicators.add_run`` (it publishes a release); reads are public. Value reads go through the (Redis-tolerant)
cache keyed on the published release, so a new publication invalidates them by changing the key.
"""

import hashlib

from django.core.cache import cache
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.models import Level
from indicators import selectors
from indicators.api.permissions import CanStartRuns
from indicators.models import Indicator, IndicatorPublication, Run, Sex
from indicators.services import run_guard, run_records, runs

VALUES_CACHE_SECONDS = 600
ErrorSerializer = inline_serializer("RunError", {"detail": serializers.CharField(help_text="Why the run was refused.")})


class RunInputSerializer(serializers.Serializer):
    indicators = serializers.ListField(child=serializers.SlugField(), required=False, default=list,
                                       help_text="Indicator codes to compute.")
    all = serializers.BooleanField(required=False, default=False, help_text="Compute every active indicator.")

    def validate(self, attrs):
        if not attrs["indicators"] and not attrs["all"]:
            raise serializers.ValidationError("give indicator codes in 'indicators' or set 'all' to true")
        return attrs


class RunOutputSerializer(serializers.ModelSerializer):
    indicators = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code",
                                              help_text="Codes of the indicators the run computes.")
    release = serializers.IntegerField(source="release_id", allow_null=True,
                                       help_text="Id of the release the run writes into.")
    release_published = serializers.SerializerMethodField(help_text="True once the run's release is published.")
    log_tail = serializers.SerializerMethodField(help_text="The last lines of the run's log, oldest first.")

    class Meta:
        model = Run
        fields = ["id", "status", "progress", "indicators", "release", "release_published", "created_at",
                  "started_at", "finished_at", "timings", "log_tail", "error"]
        extra_kwargs = {
            "id": {"help_text": "Run id (GET /api/v1/runs/{id}/)."},
            "status": {"help_text": "pending, running, succeeded or failed."},
            "progress": {"help_text": "Share of the work done, 0 to 1."},
            "created_at": {"help_text": "When the run was requested."},
            "started_at": {"help_text": "When a worker started it; null while pending."},
            "finished_at": {"help_text": "When it succeeded or failed; null before."},
            "timings": {"help_text": "Seconds per stage (load, compute, write), in total and per indicator."},
            "error": {"help_text": "Why the run failed; empty otherwise."},
        }

    def get_release_published(self, run) -> bool:
        return bool(run.release_id and run.release.published_at)

    def get_log_tail(self, run) -> list[str]:
        return run_records.log_tail(run)


class RunListCreateView(APIView):
    permission_classes = [CanStartRuns]

    @extend_schema(
        request=RunInputSerializer,
        responses={201: RunOutputSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 409: ErrorSerializer,
                   503: ErrorSerializer},
        summary="Start a compute run",
        description="Creates a run for the indicators and enqueues it; needs a staff account with the permission "
                    "indicators.add_run (403 otherwise). 503 when the task queue is unreachable "
                    "(the run is recorded as failed), 409 when an indicator is being computed by another run.",
    )
    def post(self, request):
        data = RunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run = runs.run_start(codes=data.validated_data["indicators"], all_active=data.validated_data["all"],
                                 user=request.user)
        except runs.BrokerUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        except runs.IndicatorLocked as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except runs.RunError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(RunOutputSerializer(selectors.run_detail(run.pk)).data, status=status.HTTP_201_CREATED)


class RunDetailView(APIView):
    @extend_schema(responses={200: RunOutputSerializer}, summary="A run: status, progress, timings, log tail",
                   description="A pending/running run whose worker is gone (lock free, no heartbeat for "
                               "ATLAS_RUN_LOST_AFTER seconds) is reported failed: 'worker lost (...)'.")
    def get(self, request, pk: int):
        run_guard.runs_reap([pk])  # users get the truth now, not when a redelivery happens
        run = get_object_or_404(Run.objects.select_related("release").prefetch_related("indicators"), pk=pk)
        return Response(RunOutputSerializer(run).data)


class IndicatorOutputSerializer(serializers.ModelSerializer):
    release = serializers.SerializerMethodField(help_text="Id of the published release; null if never published.")
    published_at = serializers.SerializerMethodField(help_text="When that release was published (ISO 8601).")

    class Meta:
        model = Indicator
        fields = ["code", "label_fr", "label_en", "theme", "method", "unit", "multiplier", "pooling", "polarity",
                  "release", "published_at"]
        extra_kwargs = {
            "code": {"help_text": "Indicator code (catalog slug), as in /api/v1/indicators/{code}/values/."},
            "label_fr": {"help_text": "Name in French."},
            "label_en": {"help_text": "Name in English."},
            "theme": {"help_text": "Theme of the catalog the indicator belongs to."},
            "method": {"help_text": "Statistical method (docs/methods/): crude_rate, proportion, dsr, ..."},
            "unit": {"help_text": "Unit of the values (e.g. pour 100 000 habitants)."},
            "multiplier": {"help_text": "Scale of rates (100000: per 100,000)."},
            "pooling": {"help_text": "Years pooled into each period (1, 3 or 5)."},
            "polarity": {"help_text": "Whether a high value is good, bad or neither (names the comparisons)."},
        }

    def _publication(self, indicator):
        try:
            return indicator.publication
        except IndicatorPublication.DoesNotExist:
            return None

    def get_release(self, indicator) -> int | None:
        publication = self._publication(indicator)
        return publication.release_id if publication else None

    def get_published_at(self, indicator) -> str | None:
        publication = self._publication(indicator)
        return publication.published_at.isoformat() if publication else None


class IndicatorListView(APIView):
    @extend_schema(responses={200: IndicatorOutputSerializer(many=True)}, summary="Active indicators")
    def get(self, request):
        return Response(IndicatorOutputSerializer(selectors.indicator_list(), many=True).data)


class ValueOutputSerializer(serializers.Serializer):
    area_level = serializers.CharField(source="area.level", help_text="Geographic level of the area.")
    area_code = serializers.CharField(source="area.code", help_text="Official code of the area within its level.")
    area_name = serializers.CharField(source="area.name", help_text="Name of the area.")
    period = serializers.CharField(help_text="Year (2019) or pooled years (2017-2019).")
    sex = serializers.CharField(help_text="M, F or T (both sexes).")
    value = serializers.FloatField(allow_null=True,
                                   help_text="The indicator's value; null when withheld or not computable.")
    lower_95 = serializers.FloatField(allow_null=True, help_text="Lower limit of the 95% confidence interval.")
    upper_95 = serializers.FloatField(allow_null=True, help_text="Upper limit of the 95% confidence interval.")
    lower_99_8 = serializers.FloatField(allow_null=True, help_text="Lower limit of the 99.8% confidence interval.")
    upper_99_8 = serializers.FloatField(allow_null=True, help_text="Upper limit of the 99.8% confidence interval.")
    numerator = serializers.FloatField(allow_null=True, help_text="Events counted (numerator); null when withheld.")
    denominator = serializers.FloatField(allow_null=True,
                                         help_text="Population at risk (denominator); null when withheld.")
    suppressed = serializers.BooleanField(help_text="Withheld by disclosure control (small counts).")
    unreliable = serializers.BooleanField(help_text="Computed on too few events to be reliable.")
    not_computable = serializers.BooleanField(help_text="The method cannot give a value for this group.")
    cmp_parent = serializers.CharField(help_text="Against the parent area: better, similar, worse, lower, higher, "
                                                 "not_compared, or empty.")
    cmp_france = serializers.CharField(help_text="Against France, same labels as cmp_parent.")
    quantile = serializers.IntegerField(allow_null=True, help_text="Quintile (1-5) among areas of the same level, "
                                                                   "period and sex.")
    map_class = serializers.IntegerField(allow_null=True, help_text="Map colour class (1-5, quantile breaks).")


class ValuesQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    period = serializers.CharField(required=False, max_length=9)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)


class IndicatorValuesView(APIView):
    @extend_schema(
        parameters=[ValuesQuerySerializer, OpenApiParameter("limit", int), OpenApiParameter("offset", int)],
        responses={200: ValueOutputSerializer(many=True), 404: OpenApiResponse(description="Unknown indicator")},
        summary="Published values of an indicator",
    )
    def get(self, request, code: str):
        indicator = get_object_or_404(Indicator, code=code)
        query = ValuesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        release = IndicatorPublication.objects.filter(indicator=indicator).values_list("release_id", flat=True).first()
        params = hashlib.sha256(request.query_params.urlencode().encode()).hexdigest()[:32]
        key = f"values:{code}:{release}:{params}"
        payload = cache.get(key)
        if payload is None:
            values = selectors.indicator_value_list(indicator, **query.validated_data)
            paginator = LimitOffsetPagination()
            page = paginator.paginate_queryset(values, request, view=self)
            payload = paginator.get_paginated_response(ValueOutputSerializer(page, many=True).data).data
            payload["release"] = release
            cache.set(key, payload, VALUES_CACHE_SECONDS)
        return Response(payload)
