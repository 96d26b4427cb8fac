"""Reports: progress, composition and the admission ratio as JSON, CSV, Excel and PDF."""
