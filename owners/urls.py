from django.urls import path

from owners import views

app_name = "owners"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kamera/<int:pk>/", views.camera_detail, name="camera-detail"),
]
