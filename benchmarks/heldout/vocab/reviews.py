"""Product reviews and their sentiment: labels, products, aspects, opinions."""

from __future__ import annotations

SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")

PRODUCTS: tuple[str, ...] = (
    "wireless earbuds",
    "standing desk",
    "espresso machine",
    "running shoes",
    "smart thermostat",
    "phone case",
    "robot vacuum",
    "yoga mat",
    "electric kettle",
    "mechanical keyboard",
    "winter jacket",
    "baby monitor",
    "air fryer",
    "camping tent",
    "e-reader",
    "blender",
    "office chair",
    "smartwatch",
    "router",
    "backpack",
)

PRODUCT_ASPECTS: tuple[str, ...] = (
    "battery life",
    "build quality",
    "delivery time",
    "customer service",
    "price",
    "noise level",
    "comfort",
    "setup process",
    "app connectivity",
    "durability",
    "packaging",
    "size",
    "instructions",
    "colour accuracy",
)

OPINIONS: tuple[tuple[str, str], ...] = (
    ("positive", "absolutely love the {aspect}"),
    ("positive", "the {aspect} exceeded my hopes"),
    ("positive", "really impressed by the {aspect}"),
    ("negative", "the {aspect} is a joke"),
    ("negative", "very disappointed with the {aspect}"),
    ("negative", "returned it because of the {aspect}"),
    ("neutral", "the {aspect} is fine, nothing special"),
    ("neutral", "the {aspect} is as described"),
    ("negative", "the {aspect} stopped being acceptable after a week"),
    ("positive", "the {aspect} is much better than my old one"),
)
