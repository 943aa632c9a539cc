"""Runs and published indicator values over the REST API; serializers live beside their views.

POST /runs/ needs a staff account with ``indicators.add_run`` (it publishes a release); reads are public. Value reads go through the (Redis-tolerant)
cache keyed on the published release, so a new publication invalidates them by changing the key.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators import selectors
from indicators.api import schemas
from indicators.api.permissions import CanStartRuns
from indicators.api.values import VALUES_RESPONSES, ValueListView
from indicators.models import Indicator, Run
from indicators.services import run_guard, run_records, runs

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
    log_tail = serializers.SerializerMethodField(
        help_text="The last lines of the run's log, oldest first, without the class-break dumps (at most 20 "
                  "lines of 200 characters).")

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
        return run_records.public_log_tail(run)


RECENT_RUNS = 50


def _last_modified(response, run: Run):
    stamps = [t for t in (run.created_at, run.started_at, run.finished_at, run.heartbeat_at) if t]
    response["Last-Modified"] = http_date(max(stamps).timestamp())
    return response


class RunListCreateView(APIView):
    permission_classes = [CanStartRuns]

    @extend_schema(operation_id="runs_list", responses={200: RunOutputSerializer(many=True)},
                   summary=f"The {RECENT_RUNS} most recent runs, newest first (public progress)")
    def get(self, request):
        recent = list(Run.objects.select_related("release").prefetch_related("indicators")[:RECENT_RUNS])
        response = Response(RunOutputSerializer(recent, many=True).data)
        return _last_modified(response, recent[0]) if recent else response

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
    @extend_schema(responses={200: RunOutputSerializer, 404: OpenApiResponse(description="No such run.")},
                   summary="A run: status, progress, timings, log tail",
                   description="A pending/running run whose worker is gone (lock free, no heartbeat for "
                               "ATLAS_RUN_LOST_AFTER seconds) is reported failed: 'worker lost (...)'.")
    def get(self, request, pk: int):
        run_guard.runs_reap([pk])  # users get the truth now, not when a redelivery happens
        run = get_object_or_404(Run.objects.select_related("release").prefetch_related("indicators"), pk=pk)
        return _last_modified(Response(RunOutputSerializer(run).data), run)


class IndicatorValuesView(ValueListView):
    """The values of one indicator: /api/v1/values/?indicator={code}, kept for the clients of its first version."""

    @extend_schema(
        operation_id="indicator_values_list",
        summary="Published values of one indicator (same as /api/v1/values/?indicator={code})",
        parameters=[p for p in schemas.VALUE_PARAMETERS if p.name != "indicator"] + schemas.FORMAT_PARAMETERS
        + schemas.GEOJSON_PARAMETERS,
        responses={**VALUES_RESPONSES, (404, "application/json"): OpenApiResponse(description="Unknown indicator.")},
    )
    def get(self, request, code: str):
        if not Indicator.objects.filter(code=code, is_active=True).exists():
            raise Http404(f"no active indicator {code!r}")
        params = request._request.GET.copy()
        params.setlist("indicator", [code])
        request._request.GET = params
        return super().get(request)
