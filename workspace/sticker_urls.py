from django.urls import path

from workspace import sticker_views

app_name = "stickers"

urlpatterns = [
    path("<str:token>/", sticker_views.public, name="public"),
]
