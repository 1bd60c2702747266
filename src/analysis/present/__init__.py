"""Presentation: labels, number formatting, figures styling, report sections. Imports readers only."""
