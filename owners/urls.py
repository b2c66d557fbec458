from django.urls import path

from owners import views

app_name = "owners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kamera/<int:pk>/", views.camera_detail, name="camera-detail"),
    path("kamera/<int:pk>/ubah/", views.camera_edit, name="camera-edit"),
    path("pemilik/<int:owner_id>/anggota/", views.members, name="members"),
    path("undangan/<int:pk>/terima/", views.invitation_accept, name="invitation-accept"),
]
