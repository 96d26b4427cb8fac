"""App configuration of reports."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ranks.reports"
    label = "reports"
