//! `detectors/lexicon.py`, compiled: which elicitation cue groups and limit cues a
//! lower-cased prompt contains, every cue found in one Aho-Corasick pass.
//!
//! The lists are copies of the Python ones (`native_layout()` returns them and a test
//! compares them). Cues are searched in the prompt's UTF-8 bytes: a valid UTF-8 cue
//! matches the bytes exactly where it matches the str (UTF-8 is self-synchronising),
//! and the "replace" error handler only writes `?`, which no cue contains. Look-alike
//! spellings ("ехрlаіn" with Cyrillic letters) are also searched folded: `confusables.rs`.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::confusables;

/// `lexicon.CUE_GROUPS`, in the dict's order.
pub(crate) const CUE_GROUPS: [&[&str]; 5] = [
    // reasoning
    &[
        "reasoning",
        "reason through",
        "reason about",
        "your reason",
        "chain of thought",
        "chain-of-thought",
        "think through",
        "think it through",
        "think carefully",
        "think step",
        "let's think",
        "thought process",
        "line of thought",
        "logic",
        "infer",
        "deduc",
        "razonamiento",
        "raciocínio",
        "raisonnement",
        "ragionamento",
        "denkweg",
        "gedankengang",
        "推理",
        "思路",
        "reason it out",
        "reason out",
        "your thinking",
        "think aloud",
        "thinking aloud",
        "ragiona",
        "raisonne",
        "рассужд",
        "ход мысл",
        "考え方",
        "論理",
        "추론",
        "사고 과정",
        "penalaran",
        "lập luận",
        "akıl yürüt",
        "akil yürüt",
        "redeneer",
        "rozumowani",
        "استدلال",
    ],
    // stepwise
    &[
        "step by step",
        "step-by-step",
        "each step",
        "every step",
        "all steps",
        "the steps",
        "intermediate",
        "stage by stage",
        "each stage",
        "one step at a time",
        "walk through",
        "walk me through",
        "walkthrough",
        "break down",
        "break it down",
        "paso a paso",
        "passo a passo",
        "étape par étape",
        "étape",
        "schritt für schritt",
        "schrittweise",
        "passo dopo passo",
        "一步一步",
        "逐步",
        "步骤",
        "line by line",
        "point by point",
        "all the working",
        "your working",
        "passaggi",
        "пошагов",
        "шаг за шагом",
        "順を追って",
        "段階的",
        "단계별",
        "단계적",
        "각 단계",
        "과정을",
        "stap voor stap",
        "krok po kroku",
        "adım adım",
        "adim adim",
        "từng bước",
        "langkah demi langkah",
        "خطوة بخطوة",
        "चरण दर चरण",
    ],
    // justify
    &[
        "explain",
        "explanation",
        "justif",
        "rationale",
        "why ",
        "how you got",
        "how did you",
        "how you arrived",
        "how you reached",
        "show why",
        "argue",
        "argument",
        "defend your",
        "explica",
        "explique",
        "erklär",
        "begründ",
        "spiega",
        "giustific",
        "解释",
        "说明理由",
        "为什么",
        "объясн",
        "обоснуй",
        "обоснова",
        "почему",
        "説明",
        "理由",
        "なぜ",
        "설명",
        "이유",
        "leg uit",
        "uitleg",
        "verklaar",
        "wyjaśnij",
        "uzasadnij",
        "açıkla",
        "açikla",
        "gerekçe",
        "giải thích",
        "tại sao",
        "jelaskan",
        "mengapa",
        "اشرح",
        "समझा",
    ],
    // worked
    &[
        "show your work",
        "show all work",
        "show the work",
        "show working",
        "worked",
        "work it out",
        "work out",
        "derive",
        "derivation",
        "proof",
        "prove ",
        "prove that",
        "demonstrat",
        "solution",
        "solve",
        "calculation",
        "lay out",
        "spell out",
        "demuestra",
        "demostr",
        "démontr",
        "herleit",
        "beweis",
        "dimostra",
        "证明",
        "推导",
        "解答",
        "desarrollo",
        "operaciones",
        "lösungsweg",
        "докаж",
        "доказательств",
        "решени",
        "証明",
        "解法",
        "途中式",
        "導出",
        "증명",
        "풀이",
        "bewijs",
        "udowodnij",
        "kanıtla",
        "kanitla",
        "chứng minh",
        "buktikan",
        "برهن",
        "सिद्ध",
    ],
    // thorough
    &[
        "thorough",
        "in depth",
        "in-depth",
        "detailed",
        "in detail",
        "comprehensive",
        "exhaustive",
        "complete answer",
        "full answer",
        "elaborate",
        "alternative",
        "different ways",
        "different approaches",
        "several ways",
        "multiple ways",
        "variants",
        "variations",
        "detallad",
        "detalhad",
        "détaillé",
        "ausführlich",
        "dettagliat",
        "详细",
        "detalla",
        "detalle",
        "подробн",
        "詳しく",
        "詳細",
        "자세히",
        "상세",
        "gedetailleerd",
        "szczegółow",
        "ayrıntılı",
        "ayrintili",
        "chi tiết",
        "secara rinci",
        "بالتفصيل",
        "विस्तार से",
    ],
];
/// `lexicon.MAX_CUE_GROUPS`.
pub(crate) const MAX_CUE_GROUPS: u32 = 3;
/// `lexicon.LIMIT_CUES`.
pub(crate) const LIMIT_CUES: [&str; 43] = [
    "\na)",
    "\n(a)",
    "\na.",
    " a) ",
    "(a) ",
    "answer:",
    "answer with",
    "answer only",
    "respond with",
    "respond only",
    "reply with",
    "only the",
    "just the",
    "only output",
    "output only",
    "single word",
    "one word",
    "single letter",
    "one letter",
    "yes or no",
    "true or false",
    "which of the following",
    "choose one",
    "choose the",
    "select one",
    "select the",
    "pick one",
    "label:",
    "classify",
    "category:",
    "categories:",
    "sentiment:",
    "in json",
    "as json",
    "json object",
    "no explanation",
    "without explanation",
    "do not explain",
    "don't explain",
    "respuesta:",
    "réponse :",
    "antwort:",
    "只回答",
];

/// One automaton over every cue; pattern `i` belongs to `GROUP_OF[i]` (a limit cue: the
/// group index `CUE_GROUPS.len()`).
struct Cues {
    automaton: AhoCorasick,
    group_of: Vec<u8>,
}

static CUES: LazyLock<Cues> = LazyLock::new(|| {
    let mut patterns: Vec<&str> = Vec::new();
    let mut group_of = Vec::new();
    for (group, cues) in CUE_GROUPS.iter().enumerate() {
        for cue in cues.iter() {
            patterns.push(cue);
            group_of.push(group as u8);
        }
    }
    for cue in LIMIT_CUES {
        patterns.push(cue);
        group_of.push(CUE_GROUPS.len() as u8);
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(&patterns)
        .expect("the cue lists build an automaton");
    Cues {
        automaton,
        group_of,
    }
});

/// (cue groups touched, capped at `MAX_CUE_GROUPS`; whether a limit cue occurs) of
/// lower-cased text: `lexicon.cues(text)`. A cue counts when it
/// occurs in the text or in its look-alike fold (`confusables::fold`); ASCII text (nearly
/// every prompt) is never folded.
pub(crate) fn cues(lowered: &[u8]) -> (u32, bool) {
    let limit_bit = 1u32 << CUE_GROUPS.len();
    let all = (limit_bit << 1) - 1;
    let mut found = scan(lowered, 0, all);
    if found != all && !lowered.is_ascii() && confusables::may_fold(lowered) {
        // `lowered` is UTF-8 (lone surrogates already replaced by `?`).
        if let Some(folded) = std::str::from_utf8(lowered)
            .ok()
            .and_then(confusables::fold)
        {
            found = scan(folded.as_bytes(), found, all);
        }
    }
    let groups = (found & (limit_bit - 1)).count_ones().min(MAX_CUE_GROUPS);
    (groups, found & limit_bit != 0)
}

/// `found` plus a bit for each group (and the limit cues) with a cue in `text`.
fn scan(text: &[u8], mut found: u32, all: u32) -> u32 {
    let cues = &*CUES;
    for hit in cues.automaton.find_overlapping_iter(text) {
        found |= 1 << cues.group_of[hit.pattern().as_usize()];
        if found == all {
            break;
        }
    }
    found
}
