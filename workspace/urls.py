from django.urls import path

from workspace import views

app_name = "police"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("antrian/", views.queue, name="queue"),
    path("kamera/<int:pk>/", views.camera_detail, name="camera-detail"),
    path("kamera/<int:pk>/tujuan/", views.camera_access_purpose, name="camera-access-purpose"),
    path("pendaftaran/<int:pk>/status/", views.enrolment_review_view, name="enrolment-review"),
]
