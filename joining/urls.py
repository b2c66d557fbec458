from django.urls import path

from joining import views

app_name = "joining"

urlpatterns = [
    path("", views.join_start, name="start"),
    path("<int:draft_id>/<slug:step>/", views.join_step, name="step"),
]
