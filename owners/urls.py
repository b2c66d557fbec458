from django.urls import path

from owners import views

app_name = "owners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kamera/<int:pk>/", views.camera_detail, name="camera-detail"),
    path("kamera/<int:pk>/ubah/", views.camera_edit, name="camera-edit"),
    path("pemilik/<int:owner_id>/anggota/", views.members, name="members"),
    path(
        "pemilik/<int:owner_id>/anggota/<int:membership_id>/peran/",
        views.member_role,
        name="member-role",
    ),
    path(
        "pemilik/<int:owner_id>/anggota/<int:membership_id>/keluarkan/",
        views.member_remove,
        name="member-remove",
    ),
    path("pemilik/<int:owner_id>/keluar/", views.member_leave, name="member-leave"),
    path(
        "pemilik/<int:owner_id>/undangan/<int:pk>/batal/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
    path("undangan/<int:pk>/terima/", views.invitation_accept, name="invitation-accept"),
    path("undangan/<int:pk>/tolak/", views.invitation_decline, name="invitation-decline"),
]
