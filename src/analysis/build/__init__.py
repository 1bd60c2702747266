"""The build: parameter slices and dependencies, the notebook runner, provenance, the report."""
