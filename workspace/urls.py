from django.urls import path

from workspace import views

app_name = "police"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("antrian/", views.queue, name="queue"),
    path("kamera/<int:pk>/", views.camera_detail, name="camera-detail"),
    path("kamera/<int:pk>/tujuan/", views.camera_access_purpose, name="camera-access-purpose"),
    path("pendaftaran/<int:pk>/status/", views.enrolment_review_view, name="enrolment-review"),
    path("pendaftaran/<int:pk>/kunjungan/", views.field_visit, name="field-visit"),
    path("kunjungan/<int:pk>/foto.jpg", views.field_visit_photo, name="field-visit-photo"),
    path("command-center/", views.operator_queue, name="operator-queue"),
    path("perekam/<int:pk>/sandi/", views.recorder_credentials, name="recorder-credentials"),
    path("stiker/", views.stickers, name="stickers"),
    path("stiker/<int:pk>.pdf", views.sticker_batch_pdf, name="sticker-batch-pdf"),
]
