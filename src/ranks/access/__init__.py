"""Roles granted at units, and the scope they give: a unit's subtree and nothing else."""
