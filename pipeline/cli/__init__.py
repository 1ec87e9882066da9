"""Command entry points: one module per ``distillwatch`` sub-command (``main`` dispatches)."""
