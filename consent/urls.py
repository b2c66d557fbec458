from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("", views.index, name="index"),
    path("izin-berbagi/", views.scopes_public, name="scopes"),
    path("pemilik/<int:owner_id>/", views.overview, name="overview"),
    path("pemilik/<int:owner_id>/tanda-tangan/", views.sign, name="sign"),
    path("pemilik/<int:owner_id>/tarik/", views.withdraw, name="withdraw"),
    path("pemilik/<int:owner_id>/data-saya/", views.my_data, name="my-data"),
    path("pemilik/<int:owner_id>/data-saya.json", views.my_data_json, name="my-data-json"),
    path("pemilik/<int:owner_id>/data-saya/perbaikan/", views.correction, name="correction"),
    path("pemilik/<int:owner_id>/hapus-akun/", views.delete_account, name="delete-account"),
    path("pemilik/<int:owner_id>/log-akses/", views.access_log, name="access-log"),
    path("tanda-terima/<uuid:receipt_id>/", views.receipt, name="receipt"),
    path("tanda-terima/<uuid:receipt_id>.pdf", views.receipt_download, name="receipt-pdf"),
    path("verifikasi/<uuid:receipt_id>/", views.verify, name="verify"),
    path("permintaan/", views.staff_requests, name="staff-requests"),
]
