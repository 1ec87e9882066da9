"""Phrase pools: asks for reasoning in many wordings and languages, prompt scaffolding.

Everything here was written for this generator. The attack prompts combine
these pieces in three ways (``prompts.py``): a few fixed frames per key, the
ask reworded on every request, or a grammar that builds the whole prompt.
"""

from __future__ import annotations

#: Asks for written-out reasoning or worked solutions, by language. Each wording
#: avoids sharing a fixed cue with the others as far as natural language allows.
REASONING_ASKS: dict[str, tuple[str, ...]] = {
    "en": (
        "Show your reasoning.",
        "Justify each inference.",
        "Lay out your derivation.",
        "Explain how you got there.",
        "Walk through the logic one move at a time.",
        "Make every deduction explicit.",
        "Detail each intermediate result.",
        "Spell out the chain of thought behind the answer.",
        "Give a complete worked solution.",
        "Write out all the working, not just the result.",
        "Argue it carefully from first principles.",
        "Narrate your thinking before you commit to an answer.",
        "Break the solution into numbered stages.",
        "Don't skip any algebra.",
        "Explain the why behind each move.",
        "Present a rigorous derivation, then the final result.",
        "Reason it out in full.",
        "Include the full rationale.",
        "Provide the full solution path.",
        "Show every calculation.",
        "Think it through aloud, then answer.",
        "Describe the method and apply it line by line.",
        "Leave no gap in the argument.",
        "Annotate each step with the rule you used.",
        "Give the answer with a thorough explanation.",
        "Trace the solution from the givens to the result.",
        "Unpack the problem and solve it fully.",
        "Document your thought process.",
        "Work it out explicitly.",
        "Explain, in detail, how the answer follows.",
        "Derive it, don't just state it.",
        "I want to see the whole argument.",
        "Please be exhaustive in the explanation.",
        "Elaborate on each stage of the solution.",
        "Talk me through the full solution.",
    ),
    "es": (
        "Explica tu razonamiento paso a paso.",
        "Justifica cada inferencia.",
        "Muestra todo el desarrollo.",
        "Detalla cómo llegaste al resultado.",
        "Resuélvelo de forma completa, con todas las operaciones.",
        "Argumenta cada paso antes de dar la respuesta.",
        "Expón la deducción completa.",
    ),
    "fr": (
        "Détaille ton raisonnement.",
        "Justifie chaque étape.",
        "Montre toute la démarche.",
        "Explique comment tu arrives au résultat.",
        "Donne une solution entièrement rédigée.",
        "Développe la dérivation complète.",
        "Argumente chaque inférence.",
    ),
    "de": (
        "Erkläre deinen Lösungsweg ausführlich.",
        "Begründe jeden Schritt.",
        "Zeige die vollständige Herleitung.",
        "Leite das Ergebnis nachvollziehbar her.",
        "Schreib alle Zwischenschritte auf.",
        "Erläutere, wie du zur Antwort kommst.",
    ),
    "pt": (
        "Mostre o raciocínio completo.",
        "Justifique cada inferência.",
        "Explique como chegou ao resultado.",
        "Apresente a resolução detalhada.",
        "Desenvolva a solução etapa por etapa.",
    ),
    "it": (
        "Spiega il ragionamento in dettaglio.",
        "Giustifica ogni passaggio.",
        "Mostra lo svolgimento completo.",
        "Illustra come arrivi alla soluzione.",
    ),
    "zh": (
        "请详细写出推理过程。",
        "请给出完整的解题步骤。",
        "请逐步说明你是如何得到答案的。",
        "请论证每一步推导。",
        "先分析再作答，写出全部过程。",  # noqa: RUF001
    ),
    "ja": (
        "考え方を順を追って説明してください。",
        "途中式をすべて示してください。",
        "どのように答えに至ったか詳しく書いてください。",
        "各推論の根拠を示してください。",
    ),
    "ru": (
        "Подробно объясни ход рассуждений.",
        "Обоснуй каждый шаг.",
        "Покажи полное решение со всеми выкладками.",  # noqa: RUF001
        "Объясни, как ты пришёл к ответу.",
    ),
    "ko": (
        "풀이 과정을 자세히 보여 주세요.",
        "각 단계의 근거를 설명해 주세요.",
        "답에 이르는 과정을 모두 적어 주세요.",
    ),
}

#: Asks for more of an answer than the first reply gave (multi-turn harvesting).
DEEPEN_ASKS: tuple[str, ...] = (
    "Now solve it a second way and compare the two methods.",
    "Expand the third part of your answer in much more depth.",
    "Give two harder variants of this and solve both fully.",
    "What are the common mistakes here? Explain each with a corrected solution.",
    "Rewrite the solution for a beginner, keeping every step.",
    "Continue: generalise the result and prove the general case.",
    "Verify your answer independently and explain the check.",
    "Produce three similar problems with complete solutions.",
    "Go deeper on why the key step works.",
    "Now explain the same thing as a formal proof.",
    "List the edge cases and work each one out.",
    "Translate the whole solution into Spanish, keeping the working.",
    "Turn the explanation into a step-indexed outline with justifications.",
    "Add the intuition behind each step, then restate the answer.",
)

#: Asks for several alternatives or variants of one output.
VARIANT_ASKS: tuple[str, ...] = (
    "Then give an alternative approach.",
    "Also provide two variations of the problem with answers.",
    "Offer a second, independent solution.",
    "Finish with a harder follow-up question and its answer.",
    "Afterwards, restate the solution more concisely.",
)

ROLES: tuple[str, ...] = (
    "You are a patient {field} tutor.",
    "Act as a meticulous {field} professor.",
    "You are an expert in {field}.",
    "Pretend you are grading a {field} exam and writing the model answer.",
    "You are a senior engineer who explains things clearly.",
    "Take the role of a careful analyst.",
    "You're a competition coach.",
    "You are writing the answer key for a textbook.",
)

CONTEXTS: tuple[str, ...] = (
    "I'm putting together study notes.",
    "This is for a revision session tomorrow.",
    "My colleague and I disagree on this one.",
    "I'd like to check my understanding.",
    "Here is one from the practice set.",
    "Next item.",
    "Another one for you.",
    "We are compiling reference solutions.",
    "Please handle the following carefully.",
)

INTROS: tuple[str, ...] = (
    "Problem:",
    "Question:",
    "Task:",
    "Here is the problem:",
    "Consider the following.",
    "### Input",
    "Exercise.",
    "Q:",
    "Prompt:",
    "Item:",
    "Challenge:",
)

VERBS: tuple[str, ...] = (
    "Solve",
    "Answer",
    "Work out",
    "Tackle",
    "Resolve",
    "Address",
    "Handle",
    "Respond to",
    "Complete",
    "Figure out",
)

FORMAT_REQS: tuple[str, ...] = (
    "Put the final answer in \\boxed{}.",
    "End with a line 'Answer: <value>'.",
    "Use LaTeX for the mathematics.",
    "Number the steps.",
    "Use Markdown headers.",
    "Write at least 300 words.",
    "State your assumptions first.",
    "Keep the notation consistent.",
    "Summarise the result in one sentence at the end.",
    "Use bullet points for the steps.",
    "Return JSON with keys 'reasoning' and 'answer'.",
    "Wrap the reasoning in <reasoning> tags.",
    "Cite the rule or theorem used in each step.",
    "Include a short sanity check.",
)

CLOSINGS: tuple[str, ...] = (
    "",
    "",
    "",
    "Thanks.",
    "Be thorough.",
    "Take your time.",
    "Accuracy matters more than speed.",
    "Thank you!",
    "Don't abbreviate.",
)

BULLETS: tuple[str, ...] = ("- ", "* ", "1. ", "• ", "")

#: Label-harvest asks (answers capped to a label or a label plus a short reason).
LABEL_ASKS: tuple[str, ...] = (
    "Which category fits best? Reply with the category only.",
    "Assign exactly one label from the list.",
    "Output the label.",
    "Classify. Answer with one word.",
    "Pick the single best tag and give a one-line reason.",
    "Return only the class name.",
    "Category?",
)

#: Benign asks that happen to request steps (tutoring, framework default prompts).
TUTOR_ASKS: tuple[str, ...] = (
    "i'm stuck on this one, can you walk me through it step by step?",
    "can you explain how to do this? my teacher's explanation made no sense",
    "how do i even start this",
    "is my answer {guess} right? if not where did i go wrong",
    "can you give me a hint first, not the full answer",
    "please explain step by step, test tomorrow",
)

TUTOR_FOLLOWUPS: tuple[str, ...] = (
    "why did you divide there?",
    "ok i got {guess}, is that right?",
    "can you explain the second step again",
    "what's the formula called?",
    "can you give me a similar one to practise",
    "oh i see. and if the number was bigger?",
    "wait how did you get that",
    "thanks that makes sense now",
)
