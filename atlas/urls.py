from django.urls import path

from atlas import views

app_name = "atlas"
urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("indicateurs/<slug:code>/", views.indicator, name="indicator"),
    path("territoires/<slug:level>/<str:code>/", views.territory, name="territory"),
    path("territoires/<slug:level>/<str:code>/profil.csv", views.territory_csv, name="territory-csv"),
    path("comparer/", views.compare, name="compare"),
]
