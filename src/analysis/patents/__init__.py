"""Patent growth: the dataset step, its figures and its findings."""
