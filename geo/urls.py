from django.urls import path

from geo import views

# The population-density map (the first page of the site), linked from the atlas home page.
urlpatterns = [path("densite/", views.home, name="density-map")]
