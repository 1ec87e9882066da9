"""Tool-using agents: tool signatures, goals, the currencies goals mention."""

from __future__ import annotations

TOOLS: tuple[tuple[str, str], ...] = (
    ("search_web", "query: str -> list of results"),
    ("get_weather", "city: str, date: str -> forecast"),
    ("run_sql", "query: str -> rows"),
    ("read_file", "path: str -> text"),
    ("write_file", "path: str, text: str -> ok"),
    ("run_tests", "target: str -> report"),
    ("send_email", "to: str, subject: str, body: str -> id"),
    ("create_ticket", "title: str, body: str, priority: str -> ticket id"),
    ("book_flight", "origin: str, destination: str, date: str -> booking"),
    ("convert_currency", "amount: float, src: str, dst: str -> float"),
    ("calendar_lookup", "person: str, day: str -> free slots"),
    ("http_get", "url: str -> response"),
    ("python_exec", "code: str -> stdout"),
    ("geocode", "address: str -> lat, lon"),
    ("inventory_check", "sku: str -> stock level"),
    ("refund_order", "order_id: str, reason: str -> status"),
)

AGENT_GOALS: tuple[str, ...] = (
    "find the cheapest flight from {city} to {city2} next Tuesday and e-mail the options to the "
    "team",
    "work out why the nightly test job fails on the payments module and open a ticket",
    "check stock for the five best-selling SKUs and reorder anything under ten units",
    "summarise last week's support tickets by root cause",
    "schedule a 30-minute meeting between {name} and {name2} this week",
    "compute the total revenue per region from the sales table for Q3",
    "refund order {order} because the item arrived broken and notify the customer",
    "find three recent papers on {field} and write a short digest",
    "convert the quarterly budget from EUR to {currency} and update the sheet",
    "plan a two-day trip to {city} within a {budget} budget, checking the weather",
    "migrate the config file to the new schema and make the tests pass",
    "locate all warehouses within 50 km of {city} and list their opening hours",
)

CURRENCIES: tuple[str, ...] = ("USD", "JPY", "GBP", "BRL", "INR", "CAD", "CHF", "KRW", "ZAR")
