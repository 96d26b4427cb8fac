"""App configuration of personal data: what is kept about a person, and their requests."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ranks.privacy"
    label = "privacy"
