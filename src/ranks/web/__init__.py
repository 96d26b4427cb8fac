"""Server-rendered pages: the tree, units, people, search, language switch."""
