from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("aktivasi/<str:token>/", views.activate, name="activate"),
]
