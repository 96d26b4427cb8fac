"""Who may take which columns out: the one decision the export command and the export pages share."""

from __future__ import annotations

from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.org.models import Unit


def export_shows_sensitive(*, actor: Actor, scope: Scope, root: Unit | None) -> bool:
    """Sensitive columns only when a sensitive grant covers the whole export: the unit's subtree,
    or (no unit) everything the actor may see."""
    sensitive_scope = scope_for(actor, sensitive=True)
    if sensitive_scope.full:
        return True
    if root is None:
        return not scope.empty and set(scope.root_ids) == set(sensitive_scope.root_ids)
    return sensitive_scope.covers(root.pk)
