"""Independent labelled traffic generator (held-out test set); see README.md here."""
