"""App configuration of the pipeline."""

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "ranks.pipeline"
    label = "pipeline"
