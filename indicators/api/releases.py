"""Published releases over the API: list, detail, what changed against the previous one, and an Atom feed."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from config.api_params import LanguageFromRequestMixin
from indicators.api.common import cached_json
from indicators.models import Release
from indicators.selectors import releases as selectors

RELEASE_FIELDS = {
    "id": serializers.IntegerField(help_text="Release id, as in ?release={id} on the value endpoints."),
    "published_at": serializers.DateTimeField(help_text="When it was published."),
    "note": serializers.CharField(help_text="Note of the release (may be empty)."),
    "indicators": serializers.ListField(child=serializers.CharField(), help_text="Codes of the indicators it holds."),
}
ReleaseSerializer = inline_serializer("Release", RELEASE_FIELDS)
ChangesSerializer = inline_serializer("ReleaseChanges", {
    "release": serializers.IntegerField(help_text="This release."),
    "previous": serializers.IntegerField(allow_null=True, help_text="The previous published release; null if first."),
    "indicators_added": serializers.ListField(child=serializers.CharField(), help_text="In this release only."),
    "indicators_removed": serializers.ListField(child=serializers.CharField(), help_text="In the previous only."),
    "indicators_changed": serializers.ListField(child=serializers.CharField(),
                                                help_text="In both, with at least one value added, changed or removed."),
    "values_changed": serializers.IntegerField(help_text="Values added, changed or removed, over those indicators."),
    "per_indicator": inline_serializer("IndicatorChanges", {
        "indicator": serializers.CharField(help_text="Indicator code."),
        "added_values": serializers.IntegerField(help_text="Values without a counterpart before."),
        "changed_values": serializers.IntegerField(help_text="Values whose number or withholding differs."),
        "removed_values": serializers.IntegerField(help_text="Values of the previous release gone."),
    }, many=True, help_text="Counts per indicator present in both."),
})
_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Release id.")


def _release(release: Release) -> dict:
    return {"id": release.pk, "published_at": release.published_at, "note": release.note,
            "indicators": selectors.release_indicator_codes(release.pk)}


def _get_or_404(pk: int) -> Release:
    try:
        return selectors.release_get(pk)
    except Release.DoesNotExist:
        raise Http404(f"no published release {pk}") from None


class ReleaseListView(LanguageFromRequestMixin, APIView):
    @extend_schema(operation_id="releases_list", summary="Published releases, newest first",
                   responses=inline_serializer("Release", RELEASE_FIELDS, many=True))
    def get(self, request):
        return cached_json(request, {}, lambda: [_release(r) for r in selectors.release_list()])


class ReleaseDetailView(LanguageFromRequestMixin, APIView):
    @extend_schema(operation_id="releases_retrieve", summary="One published release", parameters=[_ID],
                   responses={200: ReleaseSerializer, 404: OpenApiResponse(description="No such published release.")})
    def get(self, request, pk: int):
        return cached_json(request, {"pk": pk}, lambda: _release(_get_or_404(pk)))


class ReleaseChangesView(LanguageFromRequestMixin, APIView):
    @extend_schema(operation_id="releases_changes", summary="What a release changed against the previous one",
                   parameters=[_ID],
                   responses={200: ChangesSerializer, 404: OpenApiResponse(description="No such published release.")})
    def get(self, request, pk: int):
        return cached_json(request, {"pk": pk}, lambda: selectors.release_changes(_get_or_404(pk)))


class ReleaseFeed(Feed):
    """Atom feed of the last 50 published releases."""

    feed_type = Atom1Feed
    title = "Atlas Santé : versions publiées"
    subtitle = "Each publication of indicator values (GET /api/v1/releases/{id}/changes/ for the details)."

    def link(self):
        return "/api/v1/releases/"

    def items(self):
        return selectors.release_list()[:50]

    def item_title(self, item):
        return f"Release {item.pk}: {', '.join(selectors.release_indicator_codes(item.pk)[:10])}"

    def item_description(self, item):
        return item.note or ""

    def item_link(self, item):
        return f"{settings.ATLAS_PUBLIC_BASE_URL.rstrip('/')}/api/v1/releases/{item.pk}/"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at
