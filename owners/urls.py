from django.urls import path

from owners import join_views, views

app_name = "owners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kamera/<int:pk>/", views.camera_detail, name="camera-detail"),
    path("gabung/", join_views.join_start, name="join"),
    path("gabung/<int:draft_id>/<slug:step>/", join_views.join_step, name="join-step"),
]
