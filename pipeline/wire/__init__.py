"""Record formats on topics: checkpoints, campaign summaries, forwarded events.

Pure encode/decode functions, no Kafka client: what is read here is data, never code.
"""
