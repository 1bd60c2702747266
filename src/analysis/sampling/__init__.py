"""Sampling pass rates: the dataset step, its figures and its findings."""
