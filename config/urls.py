from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.api_docs import RedocView, redoc_standalone
from config.api_root import ApiRootView
from config.health import healthz

api_v1 = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include("geo.api.urls")),
    path("", include("indicators.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    # The schema's old address; query=True keeps ?format=json.
    path("api/schema/", RedirectView.as_view(url="/api/v1/schema/", query_string=True, permanent=True)),
    # The split view serves Swagger UI's init script as its own request, so the page has no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/redoc/redoc.standalone.js", redoc_standalone, name="api-redoc-js"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("atlas.urls")),
    path("", include("geo.urls")),
    prefix_default_language=False,
)
