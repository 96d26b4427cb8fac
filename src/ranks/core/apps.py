"""App configuration of the shared kernel."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ranks.core"
    label = "core"
