from django.urls import path

from connectivity import views

app_name = "connectivity"

urlpatterns = [
    path("perekam/<int:recorder_id>/", views.recorder_test, name="recorder-test"),
    path("perekam/<int:recorder_id>/riwayat/", views.recorder_history, name="recorder-history"),
    path("uji/<int:check_id>/", views.check_detail, name="check-detail"),
    path("uji/<int:check_id>/kemajuan/", views.check_progress, name="check-progress"),
    path("uji/<int:check_id>/cuplikan.jpg", views.check_snapshot, name="check-snapshot"),
]
