"""Everyday chat: topics, ways to ask, follow-ups, dishes."""

from __future__ import annotations

CHAT_TOPICS: tuple[str, ...] = (
    "planning a birthday party for my son",
    "training for a half marathon",
    "my sourdough starter",
    "learning Spanish before a trip",
    "writing a cover letter",
    "choosing a used car",
    "organising my week",
    "a gift for my sister",
    "growing tomatoes on a balcony",
    "getting my toddler to sleep",
    "setting a budget",
    "a dispute with my landlord",
    "preparing for a job interview",
    "fixing a leaky tap",
    "what to cook with lentils",
    "writing a toast for a wedding",
    "negotiating a raise",
    "a book club pick",
    "learning guitar chords",
    "decorating a small flat",
    "moving to another city",
    "keeping houseplants alive",
    "a packing list for camping",
    "my cat scratching furniture",
)

CHAT_ASKS: tuple[str, ...] = (
    "any tips for {topic}?",
    "can you help me with {topic}",
    "i need ideas about {topic}",
    "what should i know about {topic}",
    "quick question about {topic}",
    "how do people usually handle {topic}?",
    "help me think through {topic}",
    "i'm stressed about {topic}, where do i start",
    "give me a plan for {topic}",
)

CHAT_FOLLOWUPS: tuple[str, ...] = (
    "ok thanks. can you make that shorter?",
    "hmm, what if i only have a weekend?",
    "can you make it sound more friendly",
    "that's too formal lol",
    "wait, why?",
    "ok and what would you do first",
    "perfect. now a version for my boss",
    "can you put that in a table",
    "not quite what i meant, i mean for a beginner",
    "thanks!! one more thing",
    "great, can you add a couple more options",
    "how much would that cost roughly?",
    "is there a cheaper way",
    "translate that to german pls",
    "say it in one sentence",
    "what about option 2, tell me more",
    "i tried that and it didn't work",
    "can you double check the numbers",
)

DISHES: tuple[str, ...] = (
    "lasagne",
    "pad thai",
    "shakshuka",
    "risotto",
    "chilli",
    "banana bread",
    "ramen",
    "paella",
    "falafel",
    "pancakes",
    "curry",
    "gazpacho",
)
