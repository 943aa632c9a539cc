from django.urls import path

from indicators.api import catalog, profiles, releases, values, views

urlpatterns: list = [
    path("runs/", views.RunListCreateView.as_view(), name="run-list"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run-detail"),
    path("themes/", catalog.ThemeListView.as_view(), name="theme-list"),
    path("indicators/", catalog.IndicatorListView.as_view(), name="indicator-list"),
    path("indicators/<slug:code>/", catalog.IndicatorDetailView.as_view(), name="indicator-detail"),
    path("indicators/<slug:code>/values/", views.IndicatorValuesView.as_view(), name="indicator-values"),
    path("values/", values.ValueListView.as_view(), name="value-list"),
    path("profiles/<str:level>/<str:code>/", profiles.AreaProfileView.as_view(), name="area-profile"),
    path("releases/", releases.ReleaseListView.as_view(), name="release-list"),
    path("releases/feed/", releases.ReleaseFeed(), name="release-feed"),
    path("releases/<int:pk>/", releases.ReleaseDetailView.as_view(), name="release-detail"),
    path("releases/<int:pk>/changes/", releases.ReleaseChangesView.as_view(), name="release-changes"),
]
