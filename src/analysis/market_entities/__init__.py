"""Market-entity net growth: the dataset step, its figures and its findings."""
