from django.urls import path

from cms import views

app_name = "cms"

# Included at /program/; program pages themselves are Wagtail pages at
# /program/<slug>/ (and /en/program/<slug>/), served when nothing here matches.
urlpatterns = [
    path("<slug:slug>/peta.json", views.program_map_data, name="program-map-data"),
]
