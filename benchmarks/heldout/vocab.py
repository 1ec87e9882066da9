"""Word lists the task spaces and prompts are built from (written for this generator)."""

from __future__ import annotations

NAMES: tuple[str, ...] = (
    "Amara", "Bilal", "Chiara", "Dmitri", "Esi", "Farid", "Greta", "Hiroshi", "Ines", "Jomo",
    "Katya", "Lucas", "Mei", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sanjay", "Tamsin",
    "Umar", "Valeria", "Wen", "Ximena", "Yusuf", "Zofia", "Aiko", "Bruno", "Carmen", "Deniz",
    "Elif", "Felix", "Gabriela", "Hamid", "Ingrid", "Javier", "Kofi", "Leila", "Mateo", "Noor",
    "Olga", "Pablo", "Rania", "Stefan", "Thandiwe", "Ulla", "Vikram", "Wanjiru", "Yara", "Zane",
)  # fmt: skip

COUNTABLES: tuple[tuple[str, str], ...] = (
    ("notebook", "notebooks"), ("apple", "apples"), ("marble", "marbles"), ("ticket", "tickets"),
    ("brick", "bricks"), ("stamp", "stamps"), ("cupcake", "cupcakes"), ("seedling", "seedlings"),
    ("bus pass", "bus passes"), ("paint can", "paint cans"), ("crate", "crates"),
    ("lantern", "lanterns"), ("bottle of juice", "bottles of juice"), ("tile", "tiles"),
    ("sticker", "stickers"), ("bracelet", "bracelets"), ("pencil", "pencils"),
    ("loaf of bread", "loaves of bread"), ("kite", "kites"), ("puzzle", "puzzles"),
    ("shirt", "shirts"), ("flower pot", "flower pots"), ("battery", "batteries"),
    ("chair", "chairs"), ("mango", "mangoes"), ("candle", "candles"),
)  # fmt: skip

PLACES: tuple[str, ...] = (
    "the bakery", "the school fair", "the hardware store", "a farmers' market", "the library sale",
    "the stadium shop", "a street stall", "the museum gift shop", "the garden centre",
    "a bookshop", "the train station kiosk", "the community centre", "an online store",
)  # fmt: skip

CITIES: tuple[str, ...] = (
    "Lisbon", "Nairobi", "Osaka", "Porto Alegre", "Tallinn", "Hanoi", "Montreal", "Cape Town",
    "Krakow", "Lima", "Bergen", "Izmir", "Adelaide", "Accra", "Valencia", "Chiang Mai",
    "Denver", "Glasgow", "Pune", "Busan", "Quito", "Riga", "Seville", "Tbilisi",
)  # fmt: skip

COMPANIES: tuple[str, ...] = (
    "Halvard Logistics", "Brightmoor Foods", "Quillon Systems", "Saffron Lane Retail",
    "Northgate Clinics", "Tessellate Games", "Marrow & Pike", "Eldergrove Energy",
    "Copperline Telecom", "Blue Heron Travel", "Vantor Robotics", "Juniper Row Publishing",
    "Kestrel Insurance", "Ostrava Steelworks", "Pinewick Hotels", "Ridgeback Outdoor",
)  # fmt: skip

SCIENCE_TOPICS: tuple[str, ...] = (
    "the sky appears blue during the day", "ice floats on liquid water",
    "a copper wire's resistance rises with temperature", "tides occur twice a day",
    "a siren's pitch changes as it passes you", "leaves change colour in autumn",
    "metal feels colder than wood at the same temperature", "soap removes grease",
    "a bicycle stays upright when moving", "helium balloons shrink overnight",
    "the moon always shows the same face", "salt lowers the freezing point of water",
    "rainbows form", "antibiotics do not work against viruses", "bread rises",
    "vaccines train the immune system", "enzymes speed up reactions",
    "a transformer changes voltage", "an airplane wing produces lift",
    "stars twinkle but planets mostly do not", "earthquakes cause tsunamis",
    "a pressure cooker cooks faster", "the ozone layer absorbs ultraviolet light",
    "carbon dioxide warms the climate", "plants need light to grow",
    "a prism splits white light", "muscles get sore after exercise",
    "static electricity builds up on a dry day", "a compass needle points north",
    "photosynthesis stores energy in sugar", "the heart has four chambers",
    "DNA is copied before cell division", "a lens focuses light",
    "rust forms on iron", "batteries go flat", "lightning precedes thunder",
    "deserts get cold at night", "an egg white turns solid when cooked",
    "the speed of sound depends on the medium", "superconductors expel magnetic fields",
    "rivers meander", "volcanoes form along plate boundaries", "coffee cools faster when stirred",
    "a ball thrown upward follows a parabola", "seasons exist on Earth",
    "the Doppler effect lets radar measure speed", "an MRI scanner images soft tissue",
    "bees can see ultraviolet patterns", "mitochondria produce ATP",
    "a black hole's event horizon traps light", "entropy tends to increase",
    "a catalytic converter cleans exhaust", "semiconductors conduct more when heated",
    "red blood cells have no nucleus", "a fridge moves heat out of its interior",
    "glaciers carve U-shaped valleys", "nuclear fission releases energy",
    "a laser beam stays narrow", "sound cannot travel through a vacuum",
    "plate tectonics moves continents", "yeast produces carbon dioxide",
    "a hot-air balloon rises", "a spinning top resists falling", "clouds form",
)  # fmt: skip

SCIENCE_FIELDS: tuple[str, ...] = (
    "thermodynamics", "optics", "genetics", "organic chemistry", "plate tectonics",
    "electromagnetism", "immunology", "ecology", "quantum mechanics", "fluid dynamics",
    "astronomy", "neuroscience", "materials science", "biochemistry", "climatology",
    "microbiology", "acoustics", "nuclear physics", "cell biology", "geochemistry",
)  # fmt: skip

AUDIENCES: tuple[str, ...] = (
    "a ten-year-old", "a first-year undergraduate", "a curious adult", "a high-school student",
    "a graduate student", "a science journalist", "a nurse", "a retired engineer",
)  # fmt: skip

PROGRAMMING_LANGUAGES: tuple[str, ...] = (
    "Python", "TypeScript", "Rust", "Go", "Java", "C++", "C#", "Kotlin", "Swift", "Ruby",
    "Haskell", "Scala", "Elixir", "PHP", "Julia", "OCaml", "Zig", "Lua",
)  # fmt: skip

CODE_BEHAVIOURS: tuple[tuple[str, str], ...] = (
    ("merge_intervals", "merges overlapping closed intervals and returns them sorted"),
    ("is_valid_sudoku", "checks whether a partially filled 9x9 sudoku grid is valid"),
    ("lru_cache", "implements a least-recently-used cache with get and put in O(1)"),
    ("top_k_words", "returns the k most frequent words of a text, ties broken alphabetically"),
    ("parse_duration", "parses strings like '1h30m15s' into a number of seconds"),
    ("rotate_matrix", "rotates a square matrix 90 degrees clockwise in place"),
    ("longest_palindrome", "finds the longest palindromic substring"),
    ("roman_to_int", "converts a Roman numeral to an integer, rejecting invalid input"),
    ("dijkstra", "computes shortest path distances from a source in a weighted graph"),
    ("topo_sort", "returns a topological order of a DAG or reports a cycle"),
    ("rate_limiter", "implements a token-bucket rate limiter"),
    ("trie_autocomplete", "builds a trie and returns all words with a given prefix"),
    ("balanced_brackets", "checks whether a string of brackets is balanced"),
    ("edit_distance", "computes the Levenshtein distance between two strings"),
    ("sliding_max", "returns the maximum of every window of size k"),
    ("csv_to_json", "converts CSV text with a header row to a list of JSON objects"),
    ("union_find", "implements a disjoint-set structure with path compression"),
    ("kth_smallest", "finds the k-th smallest element of an unsorted array in expected O(n)"),
    ("matrix_chain", "finds the cheapest order to multiply a chain of matrices"),
    ("knapsack", "solves the 0/1 knapsack problem for given weights and values"),
    ("flatten_json", "flattens a nested JSON object into dotted keys"),
    ("debounce", "returns a debounced version of a callback"),
    ("binary_search_rotated", "searches a rotated sorted array"),
    ("word_ladder", "finds the shortest transformation sequence between two words"),
    ("spiral_order", "returns the elements of a matrix in spiral order"),
    ("count_islands", "counts connected islands of 1s in a grid"),
    ("validate_email", "validates e-mail addresses without using a regex library"),
    ("run_length", "run-length encodes and decodes a string"),
    ("cron_next", "computes the next time a five-field cron expression fires"),
    ("semver_compare", "compares two semantic version strings"),
    ("reservoir_sample", "draws k items uniformly from a stream of unknown length"),
    ("bloom_filter", "implements a Bloom filter with a configurable false-positive rate"),
    ("interval_scheduler", "selects the maximum number of non-overlapping meetings"),
    ("expression_eval", "evaluates arithmetic expressions with + - * / and parentheses"),
    ("json_diff", "reports the differences between two JSON documents"),
    ("consistent_hash", "maps keys to nodes with a consistent-hash ring"),
    ("retry_backoff", "retries a call with exponential backoff and jitter"),
    ("min_window", "finds the minimum window substring containing all given characters"),
    ("serialize_tree", "serializes and deserializes a binary tree"),
    ("detect_cycle", "detects a cycle in a linked list and returns its start"),
)  # fmt: skip

CODE_CONSTRAINTS: tuple[str, ...] = (
    "with full type annotations", "without using recursion", "in O(n log n) time",
    "using only the standard library", "with unit tests", "handling empty input gracefully",
    "with docstrings", "that is thread-safe", "using constant extra space",
    "that streams its input", "with property-based tests", "that never panics",
    "with input validation", "optimised for readability",
)  # fmt: skip

BUGGY_SNIPPETS: tuple[str, ...] = (
    "def mean(xs):\n    return sum(xs) / len(xs) + 1",
    "for i in range(len(items)):\n    if items[i] == target:\n        return i\nreturn i",
    "function last(arr) { return arr[arr.length]; }",
    "if (x = 0) { reset(); }",
    "while lo < hi:\n    mid = (lo + hi) // 2\n    if a[mid] < t: lo = mid\n    else: hi = mid",
    "let total = 0; for (let i = 1; i <= n; i++); { total += i; }",
    "def add_item(item, bucket=[]):\n    bucket.append(item)\n    return bucket",
    "fn first(v: &Vec<i32>) -> i32 { v[1] }",
    "SELECT name FROM users WHERE age > 30 GROUP BY city;",
    "for (int i = 0; i <= n; i++) sum += a[i];",
)  # fmt: skip

JURISDICTIONS: tuple[str, ...] = (
    "England and Wales", "California", "Ontario", "New South Wales", "Germany", "France",
    "New York", "Texas", "Ireland", "Singapore", "Scotland", "the Netherlands", "India",
)  # fmt: skip

LEGAL_PARTIES: tuple[str, ...] = (
    "a tenant", "a freelance designer", "a small bakery", "a software contractor",
    "a landlord", "an employee", "a sole trader", "a homeowner", "a delivery driver",
    "a startup founder", "a music teacher", "a franchisee",
)  # fmt: skip

LEGAL_EVENTS: tuple[str, ...] = (
    "the other side stopped paying after three months",
    "the goods arrived damaged and late",
    "the contract was terminated by e-mail without notice",
    "a verbal promise of a bonus was not honoured",
    "a neighbour's tree fell on the property",
    "confidential designs were shared with a competitor",
    "the deposit was withheld without an itemised list",
    "the software delivered did not match the specification",
    "the lease was signed by only one of two co-tenants",
    "a non-compete clause was invoked after resignation",
    "the service was cancelled during a free trial but still billed",
    "a photo was used in an advert without permission",
)  # fmt: skip

LEGAL_ASKS: tuple[str, ...] = (
    "damages", "termination of the contract", "return of the deposit", "an injunction",
    "unpaid wages", "a refund", "specific performance", "rescission",
)  # fmt: skip

SYMPTOMS: tuple[str, ...] = (
    "fever", "productive cough", "sudden chest pain", "shortness of breath on exertion",
    "right lower quadrant pain", "headache worse in the morning", "joint swelling",
    "unintentional weight loss", "night sweats", "blurred vision", "palpitations",
    "fatigue", "a rash on the trunk", "numbness in both feet", "excessive thirst",
    "dizziness on standing", "hoarseness for six weeks", "painful urination",
    "lower back pain radiating to the leg", "jaundice", "swollen ankles", "tremor at rest",
)  # fmt: skip

FINDINGS: tuple[str, ...] = (
    "a heart rate of 118", "a temperature of 38.9 C", "an oxygen saturation of 91 %",
    "a blood pressure of 168/102", "a raised white cell count", "a low sodium",
    "an elevated troponin", "a palpable spleen", "bilateral crackles at the lung bases",
    "a positive straight-leg raise", "an HbA1c of 9.2 %", "a haemoglobin of 8.1 g/dL",
    "an irregularly irregular pulse", "a new systolic murmur", "a TSH below the lower limit",
)  # fmt: skip

FINANCE_TOPICS: tuple[str, ...] = (
    "dollar-cost averaging", "duration risk in bond funds", "the difference between a Roth and a "
    "traditional retirement account", "how an inverted yield curve is read", "working capital",
    "free cash flow versus net income", "the capital asset pricing model", "put-call parity",
    "how index funds track their benchmark", "mortgage amortisation", "deferred revenue",
    "the Sharpe ratio", "currency hedging for exporters", "goodwill impairment",
    "share buybacks versus dividends", "the weighted average cost of capital",
    "convertible notes in seed rounds", "inflation-linked bonds", "the rule of 72",
)  # fmt: skip

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
)  # fmt: skip

AGENT_GOALS: tuple[str, ...] = (
    "find the cheapest flight from {city} to {city2} next Tuesday and e-mail the options to the team",
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
)  # fmt: skip

CURRENCIES: tuple[str, ...] = ("USD", "JPY", "GBP", "BRL", "INR", "CAD", "CHF", "KRW", "ZAR")

CREATIVE_FORMS: tuple[str, ...] = (
    "short story", "sonnet", "villanelle", "haiku sequence", "flash fiction piece",
    "dialogue scene", "fable", "limerick", "monologue", "ballad", "letter", "diary entry",
)  # fmt: skip

CREATIVE_SUBJECTS: tuple[str, ...] = (
    "a lighthouse keeper who finds a message in a bottle", "the last bookshop on a street",
    "a robot learning to garden", "two rivals stuck in a lift", "a city without clocks",
    "a grandmother's recipe book", "a migrating whale", "the first day of a new job",
    "a map that redraws itself", "an orchestra during a blackout", "a stray cat in a market",
    "a night train across a desert", "a message from a future self", "a lost glove",
)  # fmt: skip

CREATIVE_STYLES: tuple[str, ...] = (
    "hard-boiled noir", "magical realism", "a children's picture book", "gothic horror",
    "deadpan comedy", "minimalist prose", "epic poetry", "a folk tale", "science fiction",
    "a nature documentary voice-over", "a Victorian novel", "second-person present tense",
)  # fmt: skip

LANGUAGES: tuple[str, ...] = (
    "French", "German", "Spanish", "Portuguese", "Italian", "Japanese", "Korean",
    "Simplified Chinese", "Polish", "Turkish", "Vietnamese", "Indonesian", "Dutch",
    "Swedish", "Arabic", "Hindi", "Ukrainian", "Greek",
)  # fmt: skip

SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")

INTENT_LABELS: tuple[str, ...] = (
    "cancel_order", "track_shipment", "change_address", "refund_request", "billing_question",
    "password_reset", "product_question", "complaint", "compliment", "upgrade_plan",
    "downgrade_plan", "technical_issue", "account_deletion", "warranty_claim", "other",
)  # fmt: skip

PRODUCTS: tuple[str, ...] = (
    "wireless earbuds", "standing desk", "espresso machine", "running shoes", "smart thermostat",
    "phone case", "robot vacuum", "yoga mat", "electric kettle", "mechanical keyboard",
    "winter jacket", "baby monitor", "air fryer", "camping tent", "e-reader", "blender",
    "office chair", "smartwatch", "router", "backpack",
)  # fmt: skip

PRODUCT_ASPECTS: tuple[str, ...] = (
    "battery life", "build quality", "delivery time", "customer service", "price",
    "noise level", "comfort", "setup process", "app connectivity", "durability",
    "packaging", "size", "instructions", "colour accuracy",
)  # fmt: skip

OPINIONS: tuple[tuple[str, str], ...] = (
    ("positive", "absolutely love the {aspect}"), ("positive", "the {aspect} exceeded my hopes"),
    ("positive", "really impressed by the {aspect}"), ("negative", "the {aspect} is a joke"),
    ("negative", "very disappointed with the {aspect}"), ("negative", "returned it because of the {aspect}"),
    ("neutral", "the {aspect} is fine, nothing special"), ("neutral", "the {aspect} is as described"),
    ("negative", "the {aspect} stopped being acceptable after a week"),
    ("positive", "the {aspect} is much better than my old one"),
)  # fmt: skip

NEWS_SUBJECTS: tuple[str, ...] = (
    "the city council", "a regional airline", "researchers at a coastal university",
    "the national football team", "a chip manufacturer", "farmers in the valley",
    "the central bank", "a streaming service", "hospital staff", "a renewable energy start-up",
    "the port authority", "local schools", "a pharmaceutical firm", "museum curators",
)  # fmt: skip

NEWS_ACTIONS: tuple[str, ...] = (
    "announced a new plan to", "voted against a proposal to", "reported record demand after deciding to",
    "delayed a project to", "secured funding to", "faced criticism for a decision to",
    "completed a trial to", "signed an agreement to",
)  # fmt: skip

NEWS_OBJECTS: tuple[str, ...] = (
    "expand night bus routes", "cut water use by a fifth", "replace ageing turbines",
    "open three new clinics", "raise interest rates by a quarter point",
    "digitise paper archives", "build a desalination plant", "reduce ticket prices",
    "test drought-resistant wheat", "recruit more teachers", "move data centres north",
)  # fmt: skip

NEWS_TOPICS: tuple[str, ...] = (
    "politics", "economy", "sport", "science", "health", "technology", "culture",
    "environment", "education", "business", "transport", "energy",
)  # fmt: skip

SUPPORT_PRODUCTS: tuple[str, ...] = (
    "the mobile app", "my router", "the smart lock", "my subscription", "the printer",
    "the banking app", "my laptop", "the video doorbell", "the fitness tracker", "the TV box",
    "my e-scooter", "the online course", "the payroll software", "my gift card",
)  # fmt: skip

SUPPORT_ISSUES: tuple[str, ...] = (
    "keeps logging me out", "won't connect to wifi", "charged me twice", "shows error 0x80{code}",
    "stopped syncing after the update", "says my card was declined", "is stuck on the loading screen",
    "won't let me reset my password", "arrived with a cracked screen", "doesn't turn on anymore",
    "lost all my saved settings", "is asking for a code I never received",
    "shows the wrong balance", "keeps beeping at night",
)  # fmt: skip

CHAT_TOPICS: tuple[str, ...] = (
    "planning a birthday party for my son", "training for a half marathon", "my sourdough starter",
    "learning Spanish before a trip", "writing a cover letter", "choosing a used car",
    "organising my week", "a gift for my sister", "growing tomatoes on a balcony",
    "getting my toddler to sleep", "setting a budget", "a dispute with my landlord",
    "preparing for a job interview", "fixing a leaky tap", "what to cook with lentils",
    "writing a toast for a wedding", "negotiating a raise", "a book club pick",
    "learning guitar chords", "decorating a small flat", "moving to another city",
    "keeping houseplants alive", "a packing list for camping", "my cat scratching furniture",
)  # fmt: skip

CHAT_ASKS: tuple[str, ...] = (
    "any tips for {topic}?", "can you help me with {topic}", "i need ideas about {topic}",
    "what should i know about {topic}", "quick question about {topic}",
    "how do people usually handle {topic}?", "help me think through {topic}",
    "i'm stressed about {topic}, where do i start", "give me a plan for {topic}",
)  # fmt: skip

CHAT_FOLLOWUPS: tuple[str, ...] = (
    "ok thanks. can you make that shorter?", "hmm, what if i only have a weekend?",
    "can you make it sound more friendly", "that's too formal lol", "wait, why?",
    "ok and what would you do first", "perfect. now a version for my boss",
    "can you put that in a table", "not quite what i meant, i mean for a beginner",
    "thanks!! one more thing", "great, can you add a couple more options",
    "how much would that cost roughly?", "is there a cheaper way", "translate that to german pls",
    "say it in one sentence", "what about option 2, tell me more",
    "i tried that and it didn't work", "can you double check the numbers",
)  # fmt: skip

DOC_SUBJECTS: tuple[str, ...] = (
    "quarterly operations review", "incident post-mortem", "board meeting minutes",
    "customer interview notes", "research article abstract", "policy memo",
    "product requirements document", "clinical study summary", "earnings call transcript",
    "court ruling", "city planning report", "internal newsletter",
)  # fmt: skip

DISHES: tuple[str, ...] = (
    "lasagne", "pad thai", "shakshuka", "risotto", "chilli", "banana bread", "ramen",
    "paella", "falafel", "pancakes", "curry", "gazpacho",
)  # fmt: skip
