from django.apps import AppConfig


class OfflineConfig(AppConfig):
    name = "ranks.offline"
    label = "offline"
    verbose_name = "Offline"
