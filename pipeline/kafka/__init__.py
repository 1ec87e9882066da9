"""Kafka plumbing: client construction and security, topic admin, log reads, the
checkpoint store, the consumer-loop scaffold shared by the streaming loops, and
``replay --to-kafka``.

Absolute imports of the kafka-python package (``from kafka import ...``) inside
this package still name the top-level library: this package is ``pipeline.kafka``.
"""
