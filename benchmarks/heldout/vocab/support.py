"""Customer support: intents, products and the issues customers write about."""

from __future__ import annotations

INTENT_LABELS: tuple[str, ...] = (
    "cancel_order",
    "track_shipment",
    "change_address",
    "refund_request",
    "billing_question",
    "password_reset",
    "product_question",
    "complaint",
    "compliment",
    "upgrade_plan",
    "downgrade_plan",
    "technical_issue",
    "account_deletion",
    "warranty_claim",
    "other",
)

SUPPORT_PRODUCTS: tuple[str, ...] = (
    "the mobile app",
    "my router",
    "the smart lock",
    "my subscription",
    "the printer",
    "the banking app",
    "my laptop",
    "the video doorbell",
    "the fitness tracker",
    "the TV box",
    "my e-scooter",
    "the online course",
    "the payroll software",
    "my gift card",
)

SUPPORT_ISSUES: tuple[str, ...] = (
    "keeps logging me out",
    "won't connect to wifi",
    "charged me twice",
    "shows error 0x80{code}",
    "stopped syncing after the update",
    "says my card was declined",
    "is stuck on the loading screen",
    "won't let me reset my password",
    "arrived with a cracked screen",
    "doesn't turn on anymore",
    "lost all my saved settings",
    "is asking for a code I never received",
    "shows the wrong balance",
    "keeps beeping at night",
)
