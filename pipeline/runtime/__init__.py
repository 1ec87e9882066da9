"""What runs: the detect loop, the campaign stage, per-partition state, replay and
its input files, and the faust app that hosts the worker."""
