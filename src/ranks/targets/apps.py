"""App configuration of targets."""

from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "ranks.targets"
    label = "targets"
