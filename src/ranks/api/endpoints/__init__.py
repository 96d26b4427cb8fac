"""The API's endpoints by area, each module with its views and its `urlpatterns` (under
/api/v1/): the tree and places, people and members, the pipeline's reads and writes, targets,
the figures, files. `ranks.api.urls` includes them all."""
