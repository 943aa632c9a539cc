from django.urls import path

from indicators.api import values, views

urlpatterns: list = [
    path("runs/", views.RunListCreateView.as_view(), name="run-list"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run-detail"),
    path("indicators/", views.IndicatorListView.as_view(), name="indicator-list"),
    path("indicators/<slug:code>/values/", views.IndicatorValuesView.as_view(), name="indicator-values"),
    path("values/", values.ValueListView.as_view(), name="value-list"),
]
