"""Coverage and cell health: for now, members seconded to lead cells."""
