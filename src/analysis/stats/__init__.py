"""Statistics: proportions and counts, tidy one-row-per-comparison DataFrames. Imports only parameters."""
