"""App configuration of restructures."""

from django.apps import AppConfig


class RestructureConfig(AppConfig):
    name = "ranks.restructure"
    label = "restructure"
