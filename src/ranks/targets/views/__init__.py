"""Pages of targets: `allocation` (a unit's targets and their split among the units below) and
`dashboard` (progress against them, the composition and the ratio, and their reports)."""
