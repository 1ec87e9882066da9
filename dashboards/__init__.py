"""Grafana dashboards as code, Prometheus rules and Alertmanager config for distillwatch."""
