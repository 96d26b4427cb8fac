"""App configuration of coverage and cell health."""

from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "ranks.coverage"
    label = "coverage"
