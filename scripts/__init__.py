"""Scripts of the data package; a package so that `from scripts.load import load` works from the repo root."""
