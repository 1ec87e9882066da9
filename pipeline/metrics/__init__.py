"""Prometheus metrics: the pipeline's collectors, the bounded top-K, the campaign
stage's collector, and serving ``/metrics`` from prometheus-client's own thread."""
