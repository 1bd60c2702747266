"""The work summary: figure extraction, comparison with the structured data, findings."""
