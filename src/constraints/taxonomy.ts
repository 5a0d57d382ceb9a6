/**
 * The MM-IFEngine constraint taxonomy: 6 categories, 32 subcategories (paper §3, spec mm-ifengine.md).
 *
 * Each subcategory carries its default judge method, the verify functions able to check it when it is
 * rule-based, and the guidance the engine gives the LLM that writes concrete constraints (ranges for word
 * counts, exact counts only for sentences and paragraphs, so that constraints stay satisfiable).
 */

/** How a constraint is judged: by verify functions, by a judge that sees the image, or by comparison. */
export const JUDGE_METHODS = ["rule_based", "direct_gpt", "cmp_gpt"] as const;

export type JudgeMethod = (typeof JUDGE_METHODS)[number];

export const CATEGORY_IDS = ["text_length", "math", "format", "rhetoric_logic", "action", "keyword"] as const;

export type CategoryId = (typeof CATEGORY_IDS)[number];

export interface Subcategory {
  /** Constraint `key` written into items (the paper's keys where it used one). */
  readonly key: string;
  readonly category: CategoryId;
  readonly name: string;
  readonly method: JudgeMethod;
  /** Verify functions that can check this subcategory (empty when only a judge can). */
  readonly verifyFuncs: readonly string[];
  /** What the constraint asks for, and how to phrase it so it can be met and checked. */
  readonly guidance: string;
  readonly example: string;
}

export interface Category {
  readonly id: CategoryId;
  readonly name: string;
}

export const CATEGORIES: readonly Category[] = [
  { id: "text_length", name: "Text length" },
  { id: "math", name: "Math" },
  { id: "format", name: "Format" },
  { id: "rhetoric_logic", name: "Rhetoric & logic" },
  { id: "action", name: "Action" },
  { id: "keyword", name: "Keyword" },
];

const AFFIX_FUNCS = [
  "check_whether_whole_response_begin_with_certain_substring",
  "check_whether_whole_response_end_with_certain_substring",
  "check_whether_each_paragraph_begin_with_certain_substring",
  "check_whether_each_paragraph_end_with_certain_substring",
  "check_whether_each_sentence_begin_with_certain_substring",
  "check_whether_each_sentence_end_with_certain_substring",
] as const;

type Row = Omit<Subcategory, "category">;

function rows(category: CategoryId, list: Row[]): Subcategory[] {
  return list.map((r) => ({ ...r, category }));
}

export const SUBCATEGORIES: readonly Subcategory[] = [
  ...rows("text_length", [
    {
      key: "paragraph_number_limit",
      name: "Paragraph count",
      method: "rule_based",
      verifyFuncs: ["check_whether_response_paragraph_number_in_range", "check_whether_each_paragraph_sentence_number_in_range_list"],
      guidance: "Ask for an exact number of paragraphs (2 to 6) separated by blank lines; exact counts are fine here.",
      example: "Your answer must consist of exactly 3 paragraphs separated by blank lines.",
    },
    {
      key: "sentence_number_limit",
      name: "Sentence count",
      method: "rule_based",
      verifyFuncs: [
        "check_whether_response_sentence_number_in_range",
        "check_whether_each_paragraph_sentence_number_in_range",
        "check_whether_each_paragraph_sentence_number_in_range_list",
      ],
      guidance: "Ask for an exact number of sentences in the whole answer or per paragraph; keep it plausible for the task.",
      example: "Write exactly 6 sentences in total.",
    },
    {
      key: "word_count_range_limit",
      name: "Word count range",
      method: "rule_based",
      verifyFuncs: ["check_whether_response_word_count_in_range", "check_whether_each_paragraph_word_count_in_range"],
      guidance:
        "Give a range, never an exact word count (e.g. 120 to 180 words); narrow ranges are fine when the task suits a short answer (e.g. between 20 and 30 words).",
      example: "Keep the whole answer between 150 and 200 words.",
    },
  ]),
  ...rows("math", [
    {
      key: "precision",
      name: "Decimal precision",
      method: "rule_based",
      verifyFuncs: [
        "check_number_precision_in_response",
        "check_percentage_number_precision_in_response",
        "check_whether_has_no_arabic_number_in_response",
      ],
      guidance: "Fix how numbers are written: decimals to a given number of places, percentages with decimals, or numbers spelled out.",
      example: "Give every number with exactly two decimal places.",
    },
    {
      key: "scientific_notation",
      name: "Scientific notation",
      // Judged, not ruled: no released verify function checks that a number is written in scientific notation
      // (the authors' checker is commented out), and check_number_precision_in_response fails on years and
      // counts while never checking the notation.
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Ask for quantities in scientific notation with a fixed number of decimals in the mantissa.",
      example: "Write all measurements in scientific notation with one decimal in the mantissa, e.g. 3.2e4.",
    },
  ]),
  ...rows("format", [
    {
      key: "natural_language",
      name: "Natural language",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require the answer in a specific natural language or a mix of languages.",
      example: "Answer in French.",
    },
    {
      key: "part_of_speech",
      name: "Part of speech",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Restrict or require a part of speech (e.g. no adjectives, use at least five verbs in the imperative).",
      example: "Do not use any adjectives in your description.",
    },
    {
      key: "sentence_structure",
      name: "Sentence structure",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require a sentence form: questions only, compound sentences, parallel structure.",
      example: "Every sentence must be a question.",
    },
    {
      key: "tense_requirements",
      name: "Tense",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require a grammatical tense throughout.",
      example: "Write the whole description in the past tense.",
    },
    {
      key: "punctuation",
      name: "Punctuation",
      method: "rule_based",
      verifyFuncs: [
        "check_whether_each_sentence_end_with_certain_substring",
        "check_whether_whole_response_not_contain_certain_substring",
        "check_whether_whole_response_not_contain_certain_substrings",
      ],
      guidance: "Forbid or require a punctuation mark in a checkable way (no commas; every sentence ends with '!').",
      example: "Do not use any commas in your answer.",
    },
    {
      key: "highlight_requirements",
      name: "Highlighting",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Ask to highlight specific parts with Markdown bold, italics or quotes.",
      example: "Highlight the name of every object you mention in **bold**.",
    },
    {
      key: "title_requirements",
      name: "Title",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require a title in a given form (wrapped in << >>, a Markdown heading, at most N words).",
      example: "Start with a title wrapped in double angular brackets, like <<title>>.",
    },
    {
      key: "writing_style",
      name: "Writing style",
      method: "cmp_gpt",
      verifyFuncs: [],
      guidance: "Ask for a style whose presence is clearer next to an unconstrained answer (haiku-like, journalistic, academic).",
      example: "Write in the style of a nature documentary narrator.",
    },
    {
      key: "case_requirements",
      name: "Letter case",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Fix capitalization: all lowercase, all capitals, capitalized keywords.",
      example: "Write your entire answer in lowercase letters.",
    },
    {
      key: "unstrict_formatting_requirements",
      name: "Loose format",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "A recognisable layout without a strict syntax: a script with speakers, an interview, a letter.",
      example: "Format the answer as a dialogue between a tourist and a guide, each line starting with the speaker's name.",
    },
    {
      key: "strict_formatting_requirements",
      name: "Strict format",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "A machine-readable format with named fields (JSON, XML, a Markdown table).",
      example: "Return a JSON object with the keys \"objects\", \"colors\" and \"mood\".",
    },
    {
      key: "list_requirements",
      name: "Numbered or bulleted list",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require a list with a given marker and a plausible number of items.",
      example: "Present your points as a bulleted list of 4 items using '-' markers.",
    },
    {
      key: "wrap_up_requirement",
      name: "Wrap-up summary",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require a closing summary in a given form.",
      example: "End with a one-sentence summary that starts with 'In short,'.",
    },
    {
      key: "first_letters",
      name: "First letters",
      method: "direct_gpt",
      verifyFuncs: ["check_whether_each_sentence_begin_with_certain_substring", "check_whether_each_paragraph_begin_with_certain_substring"],
      guidance: "Constrain the first letters of sentences, lines or paragraphs (an acrostic, every sentence starting with a letter).",
      example: "The first letters of the paragraphs must spell the word SEA.",
    },
  ]),
  ...rows("rhetoric_logic", [
    {
      key: "rhetorical_device",
      name: "Rhetorical device",
      method: "cmp_gpt",
      verifyFuncs: [],
      guidance: "Require a rhetorical device (metaphor, personification, alliteration, rhetorical questions).",
      example: "Use at least two metaphors to describe the scene.",
    },
    {
      key: "logical_relation",
      name: "Logical relation",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require an explicit logical structure (cause and effect, comparison, contrast, chronological order).",
      example: "Explain the scene as a chain of causes and effects.",
    },
  ]),
  ...rows("action", [
    {
      key: "role_imitation",
      name: "Role imitation",
      method: "cmp_gpt",
      verifyFuncs: [],
      guidance: "Ask the model to speak as a character or profession.",
      example: "Answer as a 19th-century ship captain writing in his logbook.",
    },
    {
      key: "prefix_and_suffix",
      name: "Prefix / suffix",
      method: "rule_based",
      verifyFuncs: [...AFFIX_FUNCS],
      guidance: "Require an exact opening or closing string for the answer, each paragraph, or each sentence; quote it exactly.",
      example: "End your answer with the exact phrase 'Is there anything else I can help with?'.",
    },
    {
      key: "tone_requirement",
      name: "Tone",
      method: "cmp_gpt",
      verifyFuncs: [],
      guidance: "Require an emotional tone (enthusiastic, melancholic, humorous, formal).",
      example: "Use a playful and humorous tone.",
    },
    {
      key: "perspective_requirement",
      name: "Perspective",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require a narrative person or viewpoint (first person, second person, the point of view of an object in the image).",
      example: "Describe the picture in the first person, as the dog in it.",
    },
    {
      key: "target_audience_requirement",
      name: "Target audience",
      method: "cmp_gpt",
      verifyFuncs: [],
      guidance: "Name an audience whose needs should shape vocabulary and content.",
      example: "Explain it for a six-year-old child.",
    },
    {
      key: "situation",
      name: "Situation",
      method: "cmp_gpt",
      verifyFuncs: [],
      guidance: "Place the answer in a situation or occasion (a wedding toast, a museum guide, an emergency briefing).",
      example: "Write it as a short speech given at the opening of an art exhibition.",
    },
    {
      key: "prior_condition",
      name: "Prior condition",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "An 'if X then do Y' rule that depends on the image or the answer.",
      example: "If the image contains people, mention how many; otherwise describe the weather.",
    },
  ]),
  ...rows("keyword", [
    {
      key: "mention",
      name: "Mention N times",
      method: "rule_based",
      verifyFuncs: ["check_whether_each_keyword_in_list_metioned_in_range", "check_whether_total_keyword_in_list_metioned_in_range"],
      guidance: "Require one to three keywords, each a given number of times or within a small range.",
      example: "Mention the word 'harbor' at least twice and at most four times.",
    },
    {
      key: "not_mention",
      name: "Must not mention",
      method: "rule_based",
      verifyFuncs: [
        "check_whether_whole_response_not_contain_certain_substrings",
        "check_whether_whole_response_not_contain_certain_substring",
        "check_whether_each_keyword_in_list_metioned_in_range",
      ],
      guidance: "Forbid words the answer would naturally use, so the constraint has bite.",
      example: "Do not use the words 'beautiful' or 'stunning'.",
    },
    {
      key: "balanced_mention",
      name: "Mention several in balance",
      method: "rule_based",
      verifyFuncs: ["check_whether_each_keyword_in_list_metioned_in_range", "check_whether_total_keyword_in_list_metioned_in_range"],
      guidance: "Require several keywords with a shared count range, or a total across them.",
      example: "Mention each of 'light', 'shadow' and 'color' between one and three times.",
    },
    {
      key: "keyword_variation",
      name: "Keyword variation",
      method: "direct_gpt",
      verifyFuncs: [],
      guidance: "Require synonyms or variations instead of repeating a word.",
      example: "Never repeat the word 'big'; use a different synonym each time.",
    },
  ]),
];

const BY_KEY = new Map(SUBCATEGORIES.map((s) => [s.key, s]));

export function getSubcategory(key: string): Subcategory | undefined {
  return BY_KEY.get(key);
}

export function subcategoriesOf(category: CategoryId): Subcategory[] {
  return SUBCATEGORIES.filter((s) => s.category === category);
}

/** The taxonomy category of a constraint key, or "other" for a key outside it (a bench may use any key). */
export function categoryOf(key: string): CategoryId | "other" {
  return getSubcategory(key)?.category ?? "other";
}

/**
 * The subcategory key a stored `subcategory` stands for: items written before the one constraint record held the
 * display name ("Paragraph count"); anything else is already a key and is kept as it is.
 */
export function subcategoryKey(stored: string): string {
  return SUBCATEGORIES.find((s) => s.name === stored)?.key ?? stored;
}
