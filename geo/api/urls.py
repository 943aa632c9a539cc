from django.urls import path

from geo.api import views

urlpatterns = [
    path("levels/", views.LevelListView.as_view(), name="api-levels"),
    path("areas/", views.AreaListView.as_view(), name="api-areas"),
    path("areas/<str:level>/<str:code>/", views.AreaDetailView.as_view(), name="api-area-detail"),
    path("geojson/<str:level>/", views.GeoJSONView.as_view(), name="api-geojson"),
]
