from django.urls import path

from geo import views

urlpatterns = [path("", views.home, name="home")]
