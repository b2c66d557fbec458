from django.urls import path

from workspace import views

app_name = "police"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("antrian/", views.queue, name="queue"),
    path("peta/", views.police_map, name="map"),
    path("peta/data.json", views.police_map_data, name="map-data"),
    path("kamera/", views.cameras, name="cameras"),
    path("kamera/ekspor.csv", views.cameras_export_csv, name="cameras-export-csv"),
    path("kamera/ekspor.xlsx", views.cameras_export_xlsx, name="cameras-export-xlsx"),
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
