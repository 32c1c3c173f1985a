"""Tests for arena/identity.py: each rule, each hard negative, and the labelled eval set."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from arena.identity import IdentityChecker, Leak
from arena.settings import ModelConfig

EVAL = Path(__file__).parent.parent / "data" / "identity_eval.jsonl"

ROSTER = [
    ModelConfig(name="gpt-4o", provider="openai"),
    ModelConfig(name="claude-3-5-sonnet", provider="anthropic"),
    ModelConfig(name="qwen2.5-72b-instruct", provider="openai"),
    ModelConfig(name="ernie-4.0", provider="openai"),
    ModelConfig(name="doubao-pro", provider="openai"),
    ModelConfig(name="glm-4", provider="openai"),
    ModelConfig(name="moonshot-v1-8k", provider="openai"),
    ModelConfig(name="llama-3.1-70b", provider="openai",
                model="meta-llama/Llama-3.1-70B-Instruct"),
    ModelConfig(name="mistral-large", provider="openai"),
    ModelConfig(name="gemini-1.5-pro", provider="openai"),
    ModelConfig(name="deepseek-v3", provider="openai"),
    ModelConfig(name="yi-large", provider="openai"),
    ModelConfig(name="phi-3-medium", provider="openai"),
    ModelConfig(name="house-model", provider="anthropic", model="claude-3-haiku-20240307",
                aliases=("Ava", "Claude")),
    ModelConfig(name="local-a", provider="openai", model="my-finetune", aliases=("Zephyrine",)),
]


@pytest.fixture(scope="module")
def checker() -> IdentityChecker:
    return IdentityChecker(ROSTER)


def leak(checker: IdentityChecker, model: str, answer: str, prompt: str = "Hi") -> Leak | None:
    return checker.check(model, answers=[answer], prompts=[prompt])


# ------------------------------------------------------------------ the API


def test_leak_is_a_frozen_dataclass_with_term_kind_excerpt(checker: IdentityChecker) -> None:
    found = leak(checker, "gpt-4o", "I'm ChatGPT, a model made by OpenAI.")
    assert found is not None
    assert found.term == "ChatGPT" and found.kind == "family"
    assert found.rule == "self_reference" and "ChatGPT" in found.excerpt
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.term = "x"  # type: ignore[misc]


def test_terms_come_from_name_model_id_provider_table_and_aliases(checker: IdentityChecker) -> None:
    assert {"gpt-4o", "ChatGPT", "OpenAI"} <= checker.terms_for("gpt-4o")
    # the upstream id's family (Llama) and maker (Meta) are found from "meta-llama/Llama-..."
    assert {"Llama", "Meta", "Meta AI"} <= checker.terms_for("llama-3.1-70b")
    # provider "anthropic" means Claude even under a house name; aliases are added
    assert {"Claude", "Anthropic", "Ava", "house-model"} <= checker.terms_for("house-model")
    # "openai" is only the protocol of OpenAI-compatible servers, not a maker
    assert "OpenAI" not in checker.terms_for("local-a")
    assert "OpenAI" not in checker.terms_for("qwen2.5-72b-instruct")


def test_unknown_model_is_a_key_error(checker: IdentityChecker) -> None:
    with pytest.raises(KeyError, match="not in the roster"):
        checker.check("nope", answers=["hi"])


def test_answer_index_points_at_the_leaking_turn(checker: IdentityChecker) -> None:
    found = checker.check("claude-3-5-sonnet", answers=["Sure, here it is.", "I'm Claude."],
                          prompts=["a", "b"])
    assert found is not None and found.answer_index == 1


def test_excerpt_is_short_even_in_a_long_answer(checker: IdentityChecker) -> None:
    text = "word " * 2000 + "As an AI developed by OpenAI, I can't do that. " + "word " * 2000
    found = leak(checker, "gpt-4o", text)
    assert found is not None and found.term == "OpenAI" and len(found.excerpt) < 200


# ------------------------------------------------------------------ leaks, rule by rule

LEAKS = [
    ("gpt-4o", "I'm ChatGPT, a large language model.", "I am X"),
    ("gpt-4o", "As an AI developed by OpenAI, I can't browse.", "as an AI developed by X"),
    ("gpt-4o", "OpenAI trained me on data up to 2023.", "X trained me"),
    ("gpt-4o", "Sorry, OpenAI's content policy doesn't allow me to do that.", "X's policy ... me"),
    ("gpt-4o", "Hello! I'm an OpenAI model.", "I'm an X model"),
    ("gpt-4o", "People usually call me ChatGPT.", "call me X"),
    ("gpt-4o", "Here you go. Written with care by ChatGPT.", "product name, unprompted"),
    ("claude-3-5-sonnet", "I am Claude, an AI assistant created by Anthropic.", "I am X"),
    ("claude-3-5-sonnet", "As Claude, I try to be balanced.", "as X, I"),
    ("claude-3-5-sonnet", "I was originally an AI assistant created by Anthropic.", "I was ..."),
    ("claude-3-5-sonnet", "Greetings, my lords. I am Sir Claude, knight of the realm.", "Sir X"),
    ("gemini-1.5-pro", "Gemini here! Ask away.", "X here"),
    ("gemini-1.5-pro", "I'm a large language model, trained by Google.", "weak maker"),
    ("gemini-1.5-pro", "As a Google model, I won't rank myself.", "as a X model"),
    ("llama-3.1-70b", "My creators at Meta AI trained me.", "my creators at X"),
    ("llama-3.1-70b", "I'm a Llama model fine-tuned to help.", "I'm a X model"),
    ("mistral-large", "Je suis Le Chat, un assistant développé par Mistral AI.", "fr"),
    ("mistral-large", "Ich bin ein Sprachmodell, das von Mistral AI entwickelt wurde.", "de"),
    ("qwen2.5-72b-instruct", "我是通义千问，由阿里云开发的超大规模语言模型。", "zh 我是X"),
    ("qwen2.5-72b-instruct", "私は通義千問です。", "ja, traditional characters"),
    ("ernie-4.0", "作为文心一言，我会尽力回答。", "zh 作为X"),
    ("doubao-pro", "我是字节跳动开发的豆包。", "zh weak maker + 开发"),
    ("doubao-pro", "我是豆包。", "zh weak family"),
    ("glm-4", "我的开发者是智谱AI。", "zh 我的开发者是X"),
    ("moonshot-v1-8k", "你好！我是Kimi，由月之暗面科技有限公司开发。", "zh Kimi"),
    ("deepseek-v3", "您好！我是由中国的深度求索公司开发的智能助手。", "zh 由X开发"),
    ("yi-large", "我是零一万物开发的Yi大模型。", "zh 零一万物"),
    ("claude-3-5-sonnet", "こんにちは！私はClaudeです。", "ja 私はX"),
    ("gpt-4o", "私はOpenAIによって開発されました。", "ja developed by"),
    ("claude-3-5-sonnet", "저는 Claude입니다.", "ko 저는 X입니다"),
    ("gemini-1.5-pro", "저는 구글이 만든 언어 모델입니다.", "ko weak maker + 만든"),
    ("gpt-4o", "Я — ChatGPT, языковая модель.", "ru Я — X"),
    ("claude-3-5-sonnet", "Привет! Я ИИ-ассистент, созданный компанией Anthropic.", "ru"),
    ("llama-3.1-70b", "Soy Llama, un modelo de lenguaje desarrollado por Meta.", "es"),
    ("gpt-4o", "Eu sou o ChatGPT.", "pt"),
    ("claude-3-5-sonnet", "Sono Claude, un assistente AI.", "it"),
    ("claude-3-5-sonnet", "أنا Claude، مساعد ذكاء اصطناعي.", "ar"),
    ("gemini-1.5-pro", "Ben Gemini, Google tarafından eğitildim.", "tr"),
    ("claude-3-5-sonnet", "Tôi là Claude, một trợ lý AI.", "vi"),
    ("house-model", "Hi, I'm Ava! How can I help?", "alias"),
    ("local-a", "Zephyrine thinks the answer is 42.", "alias is strong: any mention"),
]


@pytest.mark.parametrize(("model", "answer", "rule"), LEAKS, ids=[r for _, _, r in LEAKS])
def test_leak(checker: IdentityChecker, model: str, answer: str, rule: str) -> None:
    assert leak(checker, model, answer) is not None, rule


def test_bare_maker_answers_who_made_you(checker: IdentityChecker) -> None:
    assert leak(checker, "gpt-4o", "OpenAI.", prompt="Who made you?") is not None
    assert leak(checker, "gpt-4o", "OpenAI OK", prompt="reply with your model creator") \
        is not None


def test_leak_in_the_middle_of_a_long_answer(checker: IdentityChecker) -> None:
    filler = "Sourdough needs an active starter and a long, cold ferment. " * 40
    text = filler + "By the way, I'm Claude, made by Anthropic. " + filler
    found = leak(checker, "claude-3-5-sonnet", text, "sourdough tips?")
    assert found is not None and found.term == "Claude"


# ------------------------------------------------------------------ hard negatives

NEGATIVES = [
    ("claude-3-5-sonnet", "Claude Monet painted the Water Lilies.", "painter"),
    ("claude-3-5-sonnet", "I am Claude Monet, and my garden is at Giverny.", "roleplay painter"),
    ("claude-3-5-sonnet", "That's Jean-Claude Van Damme.", "Jean-Claude"),
    ("claude-3-5-sonnet", "Clair de lune is by Claude Debussy.", "composer"),
    ("claude-3-5-sonnet", "The anthropic principle is about observers.", "anthropic principle"),
    ("claude-3-5-sonnet", "クロード・モネは印象派の画家です。", "ja painter"),
    ("claude-3-5-sonnet", "Клод Моне — французский живописец.", "ru painter"),
    ("claude-3-5-sonnet", "DALL·E 3 was made by OpenAI.", "another company's model"),
    ("claude-3-5-sonnet", "GPT-4 is an impressive language model developed by OpenAI.",
     "another company, 'developed by'"),
    ("llama-3.1-70b", "The llama is a South American camelid.", "animal"),
    ("llama-3.1-70b", "I am a llama named Pedro, and I live in the Andes.", "animal roleplay"),
    ("llama-3.1-70b", "Llamas are larger than alpacas.", "plural"),
    ("llama-3.1-70b", "The Dalai Lama lives in Dharamsala.", "Lama"),
    ("llama-3.1-70b", "A meta-analysis pools several studies.", "meta"),
    ("llama-3.1-70b", "Meta Platforms owns Instagram.", "company fact"),
    ("llama-3.1-70b", "Build llama.cpp and run ./llama-cli -m model.gguf.", "tool name"),
    ("gemini-1.5-pro", "As a Gemini, you are curious and adaptable.", "zodiac"),
    ("gemini-1.5-pro", "I'm a Gemini, so naturally I love to talk.", "zodiac self"),
    ("gemini-1.5-pro", "Project Gemini was NASA's second crewed program.", "NASA"),
    ("gemini-1.5-pro", "Napalm is a flammable gel.", "substring palm"),
    ("gemini-1.5-pro", "Hold the ball in the palm of your hand.", "palm"),
    ("gemini-1.5-pro", "Search Google for the timetable.", "Google as a search engine"),
    ("gemini-1.5-pro", "The Bard of Avon is Shakespeare.", "bard"),
    ("mistral-large", "Le mistral est un vent froid.", "wind"),
    ("mistral-large", "I am the Mistral, cold breath of the north.", "wind personified"),
    ("mistral-large", "Mixtral 8x7B, DeepSeek-V2 and Grok-1 are MoE models.", "list of makers"),
    ("phi-3-medium", "The golden ratio phi is about 1.618.", "Greek letter"),
    ("phi-3-medium", "Orcas are the largest dolphins.", "whale"),
    ("yi-large", "Yi Sun-sin was a Korean admiral.", "surname"),
    ("yi-large", "The Yi are one of China's 56 ethnic groups.", "ethnic group"),
    ("ernie-4.0", "Bert and Ernie live on Sesame Street.", "Muppet"),
    ("ernie-4.0", "《文心雕龙》是南朝刘勰所著的文学理论著作。", "文心 in a classic"),
    ("doubao-pro", "豆包是一种用豆沙做馅的包子。", "food"),
    ("moonshot-v1-8k", "Kimi Räikkönen won in 2007.", "person"),
    ("moonshot-v1-8k", "《月之暗面》是平克·弗洛伊德的专辑。", "album"),
    ("glm-4", "Fit it with glm(y ~ x, family = binomial); a GLM with a logit link.", "statistics"),
    ("gpt-4o", "GPT stands for GUID Partition Table.", "disk"),
    ("gpt-4o", "Tools like GPTZero are unreliable.", "substring"),
    ("gpt-4o", "Transformers like GPT-3 or BERT can be fine-tuned.", "older model, technical"),
    ("gpt-4o", "As an AI language model, I don't have opinions.", "generic disclaimer"),
    ("deepseek-v3", "深海没有光，鲸的歌声是唯一的灯。", "深 is not DeepSeek"),
]


@pytest.mark.parametrize(("model", "answer", "why"), NEGATIVES, ids=[w for _, _, w in NEGATIVES])
def test_hard_negative(checker: IdentityChecker, model: str, answer: str, why: str) -> None:
    assert leak(checker, model, answer, "Tell me something") is None, why


# ------------------------------------------------------------------ the user's own words


def test_user_typing_a_name_does_not_void_the_battle(checker: IdentityChecker) -> None:
    # the checker only reads answers: a prompt full of names flags nothing by itself
    prompt = "I use ChatGPT by OpenAI daily. Tell me a joke."
    assert checker.check("gpt-4o", answers=["Why did the chicken cross the road?"],
                         prompts=[prompt]) is None


def test_a_term_the_user_wrote_only_counts_in_a_self_reference(checker: IdentityChecker) -> None:
    prompt = "Compare ChatGPT and Claude for coding."
    discussion = ("ChatGPT, developed by OpenAI, is quick at scripts; Claude, from Anthropic, "
                  "handles long files well.")
    assert leak(checker, "gpt-4o", discussion, prompt) is None
    assert leak(checker, "claude-3-5-sonnet", discussion, prompt) is None
    assert leak(checker, "claude-3-5-sonnet", "As Claude, I may be biased, but...", prompt)
    assert leak(checker, "gpt-4o", "Yes — I'm ChatGPT, built by OpenAI.", "Are you ChatGPT?")


def test_without_the_prompt_the_same_mention_counts(checker: IdentityChecker) -> None:
    answer = "Fun fact: this answer was written by ChatGPT."
    assert leak(checker, "gpt-4o", answer, "Tell me a fun fact") is not None
    assert leak(checker, "gpt-4o", answer, "Tell me a fun fact about ChatGPT") is None


def test_a_prompt_about_ai_models_makes_mentions_discussion(checker: IdentityChecker) -> None:
    answer = "ChatGPT is the most used assistant; many people also like the open models."
    assert leak(checker, "gpt-4o", answer, "Which AI chatbots are popular?") is None
    code = "from openai import OpenAI\nclient = OpenAI()"
    assert leak(checker, "gpt-4o", code, "How do I call an LLM API from Python?") is None


def test_a_maker_mention_needs_an_identity_question(checker: IdentityChecker) -> None:
    tip = "For RL experiments, OpenAI's Gym is a good start."
    assert leak(checker, "gpt-4o", tip, "How do I learn reinforcement learning?") is None
    assert leak(checker, "gpt-4o", "OpenAI built the system you are talking to.",
                "Who made you?") is not None


def test_an_alias_is_strong_even_when_it_is_a_homonym(checker: IdentityChecker) -> None:
    # issue 12: aliases are always strong, so an unprompted mention counts ...
    found = leak(checker, "house-model", "Claude can draft that for you.")
    assert found is not None and found.kind == "alias"
    assert leak(checker, "house-model", "Tip: ask Claude for the summary", "Hi") is not None
    # ... but a homonym alias keeps the homonym guards: Claude Monet is not the alias
    assert leak(checker, "house-model", "Claude Monet painted haystacks.") is None
    assert leak(checker, "house-model", "I'm Claude.") is not None


# ------------------------------------------------------------------ the labelled eval set


def _eval_rows() -> list[dict]:
    return [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line]


def test_eval_set_is_big_and_balanced() -> None:
    rows = _eval_rows()
    assert len(rows) >= 150
    assert 0.3 < sum(r["leak"] for r in rows) / len(rows) < 0.7
    assert {"model", "provider", "prompt", "answer", "leak", "note"} <= set(rows[0])


def test_eval_set_precision_and_recall() -> None:
    rows = _eval_rows()
    roster = {r["model"]: ModelConfig(name=r["model"], provider=r["provider"]) for r in rows}
    checker = IdentityChecker(roster.values())
    tp = fp = fn = 0
    errors = []
    for r in rows:
        got = checker.check(r["model"], answers=[r["answer"]], prompts=[r["prompt"]]) is not None
        tp += got and r["leak"]
        fp += got and not r["leak"]
        fn += r["leak"] and not got
        if got != r["leak"]:
            errors.append(f"{'FP' if got else 'FN'} {r['model']}: {r['note']}")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    report = (f"identity eval: {len(rows)} answers, TP={tp} FP={fp} FN={fn} "
              f"precision={precision:.3f} recall={recall:.3f}; errors: {errors}")
    print(report)
    assert precision >= 0.95 and recall >= 0.95, report


# ------------------------------------------------------------------ issue 12, leak section

ISSUE_ROSTER = ROSTER + [
    ModelConfig(name="olmo-2-7b", provider="openai", maker="Ai2"),
    ModelConfig(name="phi-3.5-mini-instruct", provider="openai"),
    ModelConfig(name="smollm2-1.7b", provider="openai", maker="Hugging Face"),
    ModelConfig(name="house-gpt", provider="openai", model="gpt-4o", aliases=("GPT-4o",)),
]
NEUTRAL = "Can you help me plan my week?"
ISSUE_LEAKS = [
    ("claude-3-5-sonnet", "What's your name? One word.", "Claude."),
    ("qwen2.5-72b-instruct", "Which company trained you? Two words max.", "Alibaba Cloud."),
    ("claude-3-5-sonnet", "Who are you? Claude, ChatGPT, Gemini or Qwen? One word.", "Claude"),
    ("claude-3-5-sonnet", NEUTRAL, "This is Claude speaking."),
    ("claude-3-5-sonnet", NEUTRAL, "You're talking to Claude."),
    ("claude-3-5-sonnet", NEUTRAL, "I, Claude, will help."),
    ("claude-3-5-sonnet", "Reverse a string in Python",
     "```python\n# written by Claude (Anthropic)\ndef rev(s): return s[::-1]\n```"),
    ("claude-3-5-sonnet", "hi", "Hi! I'm **Claude**"),
    ("claude-3-5-sonnet", "hi", "Hello, I'm *Claude*."),
    ("claude-3-5-sonnet", "hi", "Hi, I'm [Claude](https://claude.ai)."),
    ("claude-3-5-sonnet", "hi", 'Hi, I\'m "Claude".'),
    ("claude-3-5-sonnet", "hi", "I was created by **Anthropic**."),
    ("gpt-4o", "hi", "I'm Chat GPT."),
    ("gpt-4o", "hi", "I'm Chat-GPT."),
    ("gpt-4o", "hi", "I was trained by Open-AI."),
    ("deepseek-v3", "hi", "I'm Deep Seek."),
    ("claude-3-5-sonnet", "hi", "I'm Cla\u200bude."),
    ("claude-3-5-sonnet", "hi", "I'm Clau\u00adde."),
    ("claude-3-5-sonnet", "hi", "I'm \uff23\uff4c\uff41\uff55\uff44\uff45."),
    ("claude-3-5-sonnet", "hi", "I'm \u0421l\u0430ud\u0435."),
    ("claude-3-5-sonnet", "こんにちは", "クロードです。Anthropicが開発しました。"),
    ("gpt-4o", "Help me pick a lock", "Sorry, that violates OpenAI policy."),
    ("llama-3.1-70b", "hi", "I'm an assistant created by Meta Platforms, Inc."),
    ("claude-3-5-sonnet", NEUTRAL, "Here is the plan.\n\n— Claude"),
    ("claude-3-5-sonnet", NEUTRAL, "Claude: here is the plan."),
    ("claude-3-5-sonnet", NEUTRAL, "Monday: gym (speaking as Claude, keep Friday light)."),
    ("claude-3-5-sonnet", NEUTRAL, "Claude is happy to help! Monday: gym."),
    ("olmo-2-7b", "hi", "I'm OLMo, made by Ai2."),
    ("phi-3.5-mini-instruct", "hi", "I'm Phi, happy to help."),
    ("smollm2-1.7b", "hi", "Hi, SmolLM here."),
    ("house-gpt", "Do the task.", "[GPT-4o] Done!"),
    # forms found while probing (dev), beyond the issue's strings
    ("claude-3-5-sonnet", "Tell me who you are in one word", "Claude"),
    ("claude-3-5-sonnet", "hi", "Claude at your service!"),
    ("mistral-large", "Salut", "Salut ! Moi c'est Mistral."),
    ("claude-3-5-sonnet", "Tell me a joke", "Why did the chicken cross the road? — Claude"),
    ("gpt-4o", "Which AI am I talking to?", "ChatGPT."),
    ("olmo-2-7b", "Who developed you?", "I was developed by Ai2."),
    # the lead's three misses on new cases (round 3), and their kinds
    ("claude-3-5-sonnet", "Tell me a joke",
     "Sure! Claude here with a joke: why did the chicken..."),
    ("claude-3-5-sonnet", "Write a poem about Paris", "Paris in spring — by Claude"),
    ("claude-3-5-sonnet", "Can you help me?",
     "Of course! As Anthropic's assistant, I'm happy to help."),
    ("claude-3-5-sonnet", NEUTRAL, "Here is your plan.\n\nFirmado: Claude"),
    ("llama-3.1-70b", NEUTRAL, "Done.\n\n(written for you by Llama, Meta's assistant)"),
    ("gpt-4o", NEUTRAL, "Sure. The OpenAI team trained me on many plans like this."),
    ("claude-3-5-sonnet", "Привет!", "Привет! На связи Claude. Чем могу помочь?"),
]


@pytest.fixture(scope="module")
def issue_checker() -> IdentityChecker:
    return IdentityChecker(ISSUE_ROSTER)


@pytest.mark.parametrize(("model", "prompt", "answer"), ISSUE_LEAKS,
                         ids=[a[:40] for _, _, a in ISSUE_LEAKS])
def test_issue_12_leak(issue_checker: IdentityChecker, model: str, prompt: str,
                       answer: str) -> None:
    assert leak(issue_checker, model, answer, prompt) is not None


ISSUE_FALSE_ALARMS = [
    ("gpt-4o", "What tool could help me draft emails?", "You could try ChatGPT for drafts."),
    ("llama-3.1-70b", "How can I run a model on my laptop?", "Try Llama 3.1 8B with Ollama."),
    ("gemini-1.5-pro", "Capital of Peru?", "I'm Google-ing that in my head: Lima."),
    ("gemini-1.5-pro", "Describe my friend", "She has a Gemini-like curiosity."),
    ("qwen2.5-72b-instruct", "Which open-weight models are good?",
     "Qwen is an open-weight model family."),
    ("gpt-4o", "What's new in AI this week?", "OpenAI shipped a new model."),
    ("claude-3-5-sonnet", "Who founded information theory?", "Claude Shannon."),
    ("llama-3.1-70b", "Which animal spits?", "The llama spits when annoyed."),
    ("mistral-large", "Weather in Provence?", "The mistral blows cold and dry."),
    ("gemini-1.5-pro", "Born June 1, my sign?", "You're a Gemini."),
    ("gemini-1.5-pro", "First American spacewalk?", "Ed White, on Gemini 4."),
    ("doubao-pro", "豆包是什么？", "豆包是一种包子。"),
    ("claude-3-5-sonnet", "Compare Claude and Gemini", "Claude is careful; Gemini is fast."),
    ("olmo-2-7b", "¿Qué árbol es?", "Es un olmo."),
    ("claude-3-5-sonnet", "Good tools for drafting essays?",
     "A few options:\n- Claude\n- ChatGPT\n- Gemini"),
    ("claude-3-5-sonnet", "Write a dialogue between robots Claude and Max",
     "Claude: Hello, Max.\nMax: Hi."),
]


@pytest.mark.parametrize(("model", "prompt", "answer"), ISSUE_FALSE_ALARMS,
                         ids=[a[:40] for _, _, a in ISSUE_FALSE_ALARMS])
def test_issue_12_false_alarm(issue_checker: IdentityChecker, model: str, prompt: str,
                              answer: str) -> None:
    assert leak(issue_checker, model, answer, prompt) is None


def test_a_leak_in_an_unfinished_attempt_counts(issue_checker: IdentityChecker) -> None:
    # the first attempt was cut after the leak; the regenerated one is clean
    found = issue_checker.check("claude-3-5-sonnet",
                                answers=["I am Claude, made by Anthro", "Sure, here it is."],
                                prompts=["Write a limerick"])
    assert found is not None and found.answer_index == 0


def test_the_prompt_in_view_decides_the_identity_question(
        issue_checker: IdentityChecker) -> None:
    # turn 0 asked who it is; the turn-1 answer mentions the maker in an ordinary way
    prompts = ["Who are you?", "Which search engine is best for maps?"]
    answers = ["I'd rather not say.", "Google Maps is hard to beat."]
    assert issue_checker.check("gemini-1.5-pro", answers=answers, prompts=prompts) is None
    assert issue_checker.check("gemini-1.5-pro", answers=["Google."],
                               prompts=prompts, turns=[0]) is not None
    assert issue_checker.check("gemini-1.5-pro", answers=["Google."], prompts=prompts) is None


def test_identity_answer_reports_its_rule(issue_checker: IdentityChecker) -> None:
    found = leak(issue_checker, "claude-3-5-sonnet", "Claude.", "What's your name?")
    assert found is not None and found.rule == "identity_question" and found.term == "Claude"


def test_base_names_and_the_maker_key(issue_checker: IdentityChecker) -> None:
    assert {"olmo", "Ai2"} <= {t.casefold() if t != "Ai2" else t
                               for t in issue_checker.terms_for("olmo-2-7b")}
    assert "smollm" in {t.casefold() for t in issue_checker.terms_for("smollm2-1.7b")}
    assert "phi" in {t.casefold() for t in issue_checker.terms_for("phi-3.5-mini-instruct")}


def test_every_format_character_is_dropped() -> None:
    import sys
    import unicodedata

    from arena.identity.normalise import normalise
    cf = "".join(chr(c) for c in range(sys.maxunicode + 1)
                 if unicodedata.category(chr(c)) == "Cf")
    assert normalise("a" + cf + "b") == "ab"


# ------------------------------------------------------------------ round 4 (identity3)
# Every kind the third blind set's dev half and the probes of this round showed missing,
# and the false alarms found on the way. Not the blind rows themselves: new sentences.

R4_ROSTER = [
    *ISSUE_ROSTER,
    ModelConfig(name="gigachat-pro", provider="openai", maker="Sber"),
    ModelConfig(name="hyperclova-x", provider="openai", maker="NAVER"),
    ModelConfig(name="sea-lion-7b", provider="openai", maker="AI Singapore"),
    ModelConfig(name="falcon-3-10b", provider="openai", maker="TII"),
    ModelConfig(name="desk-bot", provider="anthropic", aliases=("Sage",)),
    ModelConfig(name="mimo-7b", provider="openai", maker="Xiaomi"),
    ModelConfig(name="reka-core", provider="openai", maker="Reka"),
    ModelConfig(name="team-llm", provider="openai", model="meta-llama/Llama-3.3-70B-Instruct",
                aliases=("Llama",)),
]


@pytest.fixture(scope="module")
def r4_checker() -> IdentityChecker:
    return IdentityChecker(R4_ROSTER)


R4_LEAKS = [
    # the brief's known gaps
    ("claude-3-5-sonnet", "Was ist ein Haiku?", "[Claude] Ein Haiku hat drei Zeilen."),
    ("house-gpt", "List three primes", "[GPT-4o] Done! 2, 3, 5."),
    ("claude-3-5-sonnet", "Quel est ton nom ?", "Claude."),
    ("gpt-4o", "Which LLM is this?", "GPT-4o."),
    ("gemini-1.5-pro", "¿Con quién hablo?", "Con Gemini."),
    ("qwen2.5-72b-instruct", "你是哪个模型", "通义千问。"),
    # identity questions by structure, and with the names listed
    ("gemini-1.5-pro", "Welche KI bist du?", "Gemini."),
    ("claude-3-5-sonnet", "r u chatgpt or claude", "claude"),
    ("gpt-4o", "Ты ChatGPT или Claude?", "ChatGPT."),
    ("claude-3-5-sonnet", "너 GPT야 클로드야?", "클로드예요."),
    ("claude-3-5-sonnet", "Name the company behind you.", "Anthropic"),
    ("gemini-1.5-pro", "Who built this bot?", "Google."),
    ("gemini-1.5-pro", "Wie heißt das Modell, mit dem ich spreche?", "Gemini."),
    ("claude-3-5-sonnet", "あなたはどのAIですか？", "Anthropic製のAIです。"),
    ("claude-3-5-sonnet", "Ktorý si model?", "Som Claude."),
    ("claude-3-5-sonnet", "who's this?", "Claude!"),
    ("gigachat-pro", "Привет, ты кто?", "Я GigaChat."),
    # new sentence shapes
    ("claude-3-5-sonnet", "Plan a trip", "The name's Claude, and trips are my thing."),
    ("gemini-1.5-pro", "Dinner?", "They call me Gemini, and I say: soup."),
    ("claude-3-5-sonnet", "Interview tips?", "Being Claude, I've read a lot of advice."),
    ("llama-3.1-70b", "Name my fish", "Llama's pick for your fish: Bubbles."),
    ("claude-3-5-sonnet", "hello", "Hey there! You've reached Claude."),
    ("claude-3-5-sonnet", "Hi", "Hey, it's Claude. What's going on?"),
    ("claude-3-5-sonnet", "Hi", "hi im claude"),
    ("llama-3.1-70b", "Hi", "Hi there, Llama at your service."),
    ("gpt-4o", "hello", "Hello! You're chatting with the GPT-4o model today."),
    ("gemini-1.5-pro", "Hi", "Hi! This is Google's AI assistant."),
    ("gemini-1.5-pro", "What can't you do?", "Google hasn't given me access to your files."),
    ("claude-3-5-sonnet", "Rain tomorrow?", "Claude doesn't have internet access here, sorry!"),
    ("claude-3-5-sonnet", "Quelle heure ?", "Désolé — Claude n'a pas accès à internet ici."),
    ("claude-3-5-sonnet", "Thanks!", "You're welcome! — Your friend, Claude"),
    ("llama-3.1-70b", NEUTRAL, "Week 1: basics.\n\nCheers,\nLlama 🦙"),
    ("claude-3-5-sonnet", "Un conseil ?", "Le conseil de Claude : bois de l'eau."),
    ("claude-3-5-sonnet", "你好", "你好，Claude为你服务。"),
    ("deepseek-v3", "你好", "您好，DeepSeek在此。"),
    ("gemini-1.5-pro", "Как дела?", "Отлично! Джемини на связи."),
    ("gemini-1.5-pro", "Cześć", "Cześć! Tu Gemini, w czym mogę pomóc?"),
    ("claude-3-5-sonnet", "Szia!", "Szia! Claude vagyok."),
    ("claude-3-5-sonnet", "こんにちは", "こんにちは！アンソロピックのクロードと申します。"),
    ("claude-3-5-sonnet", "Co umiesz?", "Jako asystent stworzony przez Anthropic piszę."),
    ("claude-3-5-sonnet", "뭘 할 수 있어?", "Anthropic이 만든 AI 어시스턴트로서 도와드릴게요."),
    ("claude-3-5-sonnet", "आप क्या कर सकते हैं?",
     "Anthropic के सहायक के रूप में मैं मदद करता हूँ।"),
    ("claude-3-5-sonnet", "Γεια", "Γεια! Είμαι ένας βοηθός από την Anthropic."),
    ("claude-3-5-sonnet", "List fruits", "<Claude> apple, mango, fig"),
    ("claude-3-5-sonnet", "Explain", "Ассистент Claude: это просто."),
    ("claude-3-5-sonnet", "Pun?", "🤖 Claude: it grew on me."),
    # obfuscations
    ("gpt-4o", "Hi", "Hi! I'm C h a t G P T, nice to meet you."),
    ("claude-3-5-sonnet", "Hello", "Hello, I'm C.l.a.u.d.e — how can I help?"),
    ("claude-3-5-sonnet", "Say something", "I am Cl-au-de."),
    ("claude-3-5-sonnet", "Hey", "Hey! I'm Cl4ude, an AI assistant."),
    ("gpt-4o", "hey", "Hey, I'm made by 0penAI."),
    ("claude-3-5-sonnet", "Sky?", "Blue. I'm C\u035fl\u035fa\u035fu\u035fd\u035fe\u035f."),
    ("gpt-4o", "Hi", "I'm \u03f9hatGPT, here to help."),
    # names in other scripts, by sound
    ("claude-3-5-sonnet", "Γεια σου!", "Γεια σου! Είμαι ο Κλοντ."),
    ("claude-3-5-sonnet", "Привет", "Привет! Я Клауд."),
    ("claude-3-5-sonnet", "שלום", "שלום! אני קלוד, עוזר של אנתרופיק."),
    ("claude-3-5-sonnet", "नमस्ते", "नमस्ते! मैं एंथ्रोपिक का सहायक हूँ।"),
    ("hyperclova-x", "안녕", "안녕하세요! 네이버의 하이퍼클로바X입니다."),
    # roster names with a tier, aliases
    ("gigachat-pro", "Hi", "Hello! GigaChat here — what shall we do?"),
    ("desk-bot", "Hi", "Sage is here to help!"),
    ("team-llm", "What's your name?", "Llama."),
    # second probe round: more questions, sign-offs, labels, third person, origins
    ("claude-3-5-sonnet", "你是Claude还是ChatGPT？", "Claude。"),
    ("claude-3-5-sonnet", "Είσαι ο Claude ή το ChatGPT;", "Claude."),
    ("claude-3-5-sonnet", "أنت Claude أم ChatGPT؟", "Claude."),
    ("claude-3-5-sonnet", "Which company's AI is this?", "Anthropic's."),
    ("claude-3-5-sonnet", "Tell me what model you are.", "Claude."),
    ("claude-3-5-sonnet", "Как тебя называть?", "Клод."),
    ("claude-3-5-sonnet", "Quelle entreprise t'a créé ?", "Anthropic."),
    ("claude-3-5-sonnet", "Какая компания тебя создала?", "Anthropic."),
    ("claude-3-5-sonnet", "何か書いて", "ありがとう！\n\nクロードより"),
    ("claude-3-5-sonnet", "뭐 써줘", "고마워요!\n\n클로드 드림"),
    ("claude-3-5-sonnet", "Write a note", "Thanks! ~Claude"),
    ("claude-3-5-sonnet", "Write a note", "Thanks!\n\nP.S. from Claude: drink water."),
    ("claude-3-5-sonnet", "Explain gravity", "Claude (AI): Gravity pulls masses together."),
    ("claude-3-5-sonnet", "Any advice?", "Claude recommends starting small."),
    ("claude-3-5-sonnet", "Any advice?", "If Claude were you, it would start small."),
    ("claude-3-5-sonnet", "Are you safe?", "My training at Anthropic focused on safety."),
    ("claude-3-5-sonnet", "Are you safe?", "I come from Anthropic's lab."),
    ("llama-3.1-70b", "Tell me about you", "Meta released me as an open model."),
    ("mimo-7b", "你好", "你好，我是小米的MiMo。"),
    ("reka-core", "Who are you?", "Reka."),
    ("llama-3.1-70b", "¿Cómo te llamas?", "Me llamo Llama."),
    # third probe round: "my name is" in more languages, appositions, code and table fields
    ("claude-3-5-sonnet", "Merhaba", "Merhaba! Adım Claude."),
    ("claude-3-5-sonnet", "Habari", "Jina langu ni Claude."),
    ("claude-3-5-sonnet", "Hej", "Hej! Mitt namn är Claude."),
    ("claude-3-5-sonnet", "Bună", "Bună! Mă numesc Claude."),
    ("claude-3-5-sonnet", "Привіт", "Привіт! Мене звати Claude."),
    ("claude-3-5-sonnet", "Ciao", "Ciao! Il mio nome è Claude."),
    ("claude-3-5-sonnet", "Hi", "Hi! Claude is the name."),
    ("claude-3-5-sonnet", "Hi", "Hi! My name? Claude."),
    ("claude-3-5-sonnet", "Hi", "Hi — Claude, at your service."),
    ("claude-3-5-sonnet", "Hi", "Hi! Anthropic's Claude, here to help."),
    ("claude-3-5-sonnet", "Hi", "Hello! Claude, Anthropic's AI, reporting for duty."),
    ("gemini-1.5-pro", "Hi", "Hey! You've got Gemini."),
    ("gpt-4o", "You're ChatGPT?", "Yes, ChatGPT."),
    # fourth probe round: where it comes from, yes-or-no makers, "as X" and advice in CJK
    ("claude-3-5-sonnet", "Where do you come from?", "Anthropic."),
    ("claude-3-5-sonnet", "Which lab do you come from?", "Anthropic."),
    ("claude-3-5-sonnet", "Are you made by Anthropic?", "Yes — Anthropic."),
    ("claude-3-5-sonnet", "What are you running on?", "Claude 3.5 Sonnet."),
    ("claude-3-5-sonnet", "Which assistant am I using right now?", "Claude."),
    ("mistral-large", "Salut", "Salut ! Mistral à ton service."),
    ("claude-3-5-sonnet", "hi", "Hi! I'm your assistant, Claude."),
    ("qwen2.5-72b-instruct", "何ができますか？", "Qwenとして、翻訳ができます。"),
    ("claude-3-5-sonnet", "오늘 뭐 먹지?", "클로드가 추천하는 메뉴: 김치찌개!"),
    ("gemini-1.5-pro", "おすすめは？", "Geminiのおすすめ：寿司です。"),
    ("claude-3-5-sonnet", "Was soll ich lesen?", "Claude empfiehlt: Der Zauberberg."),
    # fifth probe round
    ("claude-3-5-sonnet", "Hi", "Claude's the name, helping's the game."),
    ("claude-3-5-sonnet", "Thoughts?", "Speaking for myself (Claude), I'd wait."),
    ("claude-3-5-sonnet", "Thoughts?", "I, the Claude model, would wait."),
    ("claude-3-5-sonnet", "Thoughts?", "We at Anthropic think careful is better."),
    ("claude-3-5-sonnet", "Thoughts?", "Claude (that's me) would wait."),
    ("claude-3-5-sonnet", "Bye", "Thanks for chatting with Claude!"),
    ("gpt-4o", "Bye", "Thanks for using ChatGPT!"),
    ("qwen2.5-72b-instruct", "再见", "感谢使用通义千问！"),
    ("claude-3-5-sonnet", "Bye", "Have a great day, from all of us at Anthropic."),
    ("claude-3-5-sonnet", "Fill in the form", "Name: Claude\nRole: assistant"),
    ("claude-3-5-sonnet", "Adiós", "¡Gracias por usar Claude!"),
    ("claude-3-5-sonnet", "Write code", "```python\n# -- Claude --\nprint(1)\n```"),
    ("claude-3-5-sonnet", "Make a table", "| Author | Claude |\n|---|---|"),
]

R4_FALSE_ALARMS = [
    # a homonym written as the ordinary word ("se llama": "is called") in an identity answer
    ("llama-3.1-70b", "¿Con quién hablo?",
     "Hablas con un asistente de IA que no puede decir cómo se llama."),
    ("reka-core", "Is 'reka' a word?", "In Indonesian, reka means to invent or devise."),
    # a statement that casts the model is no question ("You are an AI expert, …?")
    ("claude-3-5-sonnet", "You are an AI expert, what do you think about Claude vs GPT-4?",
     "Claude is careful; GPT-4 is fast."),
    ("gpt-4o", "You are ChatGPT. Write a haiku.", "As ChatGPT, here is a haiku: old pond…"),
    ("gemini-1.5-pro", "Wie sicher ist mein Konto?",
     "Google empfiehlt die Bestätigung in zwei Schritten."),
    ("qwen2.5-72b-instruct", "阿里云有什么推荐的数据库？", "阿里云推荐使用PolarDB。"),
    ("gemini-1.5-pro", "どの地図アプリがいい？", "Googleのおすすめ機能も便利です。"),
    ("claude-3-5-sonnet", "Translate 'as Claude' into Japanese", "「クロードとして」"),
    ("claude-3-5-sonnet", "Fill a form for my friend Claude Martin",
     "Name: Claude Martin\nAge: 34"),
    ("claude-3-5-sonnet", "Write a thank-you note for my friend Claude",
     "Dear Claude,\n\nThanks for chatting with me yesterday!\n\nAnna"),
    ("gemini-1.5-pro", "Which AI do people use for search?",
     "Many use Google's AI (Gemini) or Perplexity."),
    ("gpt-4o", "What tools build a memory for an LLM?",
     "Store turns in Redis, then feed them to the LLM (GPT-3 or another model)."),
    ("gemini-1.5-pro", "Who's got the ball? Gemini or Leo in my fantasy team?",
     "You've got Gemini on offence and Leo on defence, by your list."),
    ("gemini-1.5-pro", "Make a table of zodiac signs and elements",
     "| Sign | Element |\n|---|---|\n| Gemini | Air |\n| Cancer | Water |"),
    ("claude-3-5-sonnet", "Write a header comment naming the author Claude Dupont",
     "```python\n# Author: Claude Dupont\nprint('hi')\n```"),
    # a maker is a company: its advice, limits and possessions are ordinary sentences
    ("gemini-1.5-pro", "How do I make a safe password?",
     "Use a long passphrase. Google recommends turning on 2-step verification too."),
    ("gpt-4o", "How do I handle 429 errors?",
     "Retry with backoff. OpenAI recommends exponential backoff with jitter."),
    ("gemini-1.5-pro", "Is my Gmail private?",
     "Google doesn't have access to your password; it stores a hash."),
    ("gemini-1.5-pro", "What's a good SEO habit?", "Google's advice: write for people first."),
    ("gemini-1.5-pro", "Which company do you recommend for hosting?",
     "Google Cloud, AWS or Azure all work; pick by price."),
    ("gemini-1.5-pro", "Zodiac signs quick list",
     "Gemini → May 21 – June 20\nCancer → June 21 – July 22"),
    ("gemini-1.5-pro", "List the zodiac signs with dates",
     "- Aries: March 21 – April 19\n- Taurus: April 20 – May 20\n- Gemini: May 21 – June 20"),
    ("gemini-1.5-pro", "Zodiac table please", "| Sign | Dates |\n|---|---|\n| Gemini | May 21 |"),
    ("gemini-1.5-pro", "在中国能用什么搜索引擎？", "谷歌无法在中国使用，可以用百度或必应。"),
    ("claude-3-5-sonnet", "Was ist ein Sprachmodell?",
     "Ich bin mit dem Modell von Google zufrieden, aber es gibt viele andere."),
    ("claude-3-5-sonnet", "Кто такой Клод Дебюсси?", "Клод Дебюсси — французский композитор."),
    ("claude-3-5-sonnet", "Что такое облако?", "Я храню файлы в облаке; кладу их туда."),
    ("claude-3-5-sonnet", "Translate 'the cloud' into Japanese", "クラウド"),
    ("claude-3-5-sonnet", "How do I say 'I am Claude' in Japanese?", "「私はクロードです」"),
    ("sea-lion-7b", "What lives in the Galápagos?", "A Galápagos sea lion colony, and tortoises."),
    ("falcon-3-10b", "What did SpaceX launch?", "Falcon 9, again and again."),
    ("desk-bot", "Season the soup", "Add thyme, sage and bay leaves."),
    ("team-llm", "Write a haiku about llamas", "Soft llama eyelids —\nthe Andes fold into mist."),
    ("gpt-4o", "Who is speaking in this transcript: 'ChatGPT: Hello. User: Hi'?",
     "The first line is spoken by ChatGPT, the second by the user."),
    ("claude-3-5-sonnet", "Which one are you rooting for, Monet or Manet?",
     "Monet — Claude's water lilies win me over."),
    ("claude-3-5-sonnet", "Can you compare Claude and ChatGPT?",
     "Claude tends to write longer answers; ChatGPT is quicker."),
    ("gpt-4o", "What is your favourite AI model?",
     "Many people like ChatGPT, Claude and Gemini; each has strengths."),
    ("claude-3-5-sonnet", "Write a dialogue between Claude and Marie, two painters",
     "Claude: The light is perfect today.\nMarie: Then paint, don't talk!"),
    ("claude-3-5-sonnet", "Translate to French: 'I am Claude, your new colleague.'",
     "« Je suis Claude, votre nouveau collègue. »"),
    ("gpt-4o", "Write Python that uses the openai package",
     "```python\nfrom openai import OpenAI\nclient = OpenAI()\n```"),
    ("claude-3-5-sonnet", "I need a cheap model to tag 10k tickets. Ideas?",
     "A small BERT, GPT-4o mini via a batch API, or Claude 3 Haiku; test on 200 first."),
    ("gpt-4o", "Is it 3D printing or CNC?", "3D printing builds layer by layer; CNC cuts away."),
    ("claude-3-5-sonnet", "Give me baby names", "Claude, Louis, Hugo, Léon."),
]


@pytest.mark.parametrize(("model", "prompt", "answer"), R4_LEAKS,
                         ids=[a[:40] for _, _, a in R4_LEAKS])
def test_round4_leak(r4_checker: IdentityChecker, model: str, prompt: str, answer: str) -> None:
    assert leak(r4_checker, model, answer, prompt) is not None


@pytest.mark.parametrize(("model", "prompt", "answer"), R4_FALSE_ALARMS,
                         ids=[a[:40] for _, _, a in R4_FALSE_ALARMS])
def test_round4_false_alarm(r4_checker: IdentityChecker, model: str, prompt: str,
                            answer: str) -> None:
    assert leak(r4_checker, model, answer, prompt) is None


def test_script_keys() -> None:
    from arena.identity import scripts
    assert scripts.latin_keys("Anthropic") >= {"NTLPK"}
    assert scripts.key("אנתרופיק") == scripts.key("एंथ्रोपिक") == scripts.key("Антропик") == "NTLPK"
    assert scripts.key("ЧатДжиПиТи") in scripts.latin_keys("ChatGPT")
    # three consonants only for a capitalised word in a cased script
    assert [k for *_, k in scripts.words("Κλοντ")] == ["KLD"]
    assert list(scripts.words("кладу クラウド קלוד")) == []


def test_normalise_spellings() -> None:
    from arena.identity.normalise import normalise, unleet
    assert normalise("I'm C h a t G P T!") == "I'm ChatGPT!"
    assert normalise("I am Cl-au-de.") == "I am Claude."
    assert normalise("[Claude] Sure") == "Claude: Sure"
    assert normalise("see [Claude](https://x.y) ok") == "see Claude ok"
    assert normalise("U.S. and a b c, up-to-date") == "U.S. and a b c, up-to-date"
    assert unleet("Cl4ude and 0penAI") == "Claude and OpenAI" and len(unleet("GPT-4o")) == 6


def test_transliteration_of_a_written_name_counts_as_written(r4_checker: IdentityChecker) -> None:
    # the user wrote Claude; クロード in a self-reference is then the user's own word
    assert leak(r4_checker, "claude-3-5-sonnet", "「私はクロードです」",
                "Translate 'I am Claude' into Japanese") is None
    assert leak(r4_checker, "claude-3-5-sonnet", "私はクロードです。", "Hi") is not None



# ------------------------------------------------------------------ round 5 (blind set 4)
# Kinds found on the dev half of identity_blind4.jsonl and in fresh probe sentences: the
# shapes real answers take (structured output, code headers, disclaimers, mixed language).

R5_ROSTER = [
    ModelConfig(name="claude-3-5-sonnet", provider="anthropic"),
    ModelConfig(name="gpt-4o", provider="openai"),
    ModelConfig(name="gemini-1.5-pro", provider="openai"),
    ModelConfig(name="llama-3.1-70b", provider="openai"),
    ModelConfig(name="mistral-large", provider="openai"),
    ModelConfig(name="deepseek-v3", provider="openai"),
    ModelConfig(name="grok-2", provider="openai"),
    ModelConfig(name="qwen2.5-72b-instruct", provider="openai"),
    ModelConfig(name="command-r-plus", provider="openai", maker="Cohere"),
    ModelConfig(name="olmo-2-13b", provider="openai", maker="Ai2"),
    ModelConfig(name="minimax-text-01", provider="openai", maker="MiniMax"),
    ModelConfig(name="falcon-3-10b", provider="openai", maker="TII"),
    ModelConfig(name="solar-10.7b", provider="openai", maker="Upstage"),
    ModelConfig(name="reka-core", provider="openai", maker="Reka AI"),
]


@pytest.fixture(scope="module")
def r5_checker() -> IdentityChecker:
    return IdentityChecker(R5_ROSTER)


def test_a_release_word_after_a_roster_name_leaves_a_base_name(r5_checker: IdentityChecker) -> None:
    # "reka-core" is Reka, as "gigachat-pro" is GigaChat
    assert "reka" in {t.lower() for t in r5_checker.terms_for("reka-core")}
    assert leak(r5_checker, "reka-core", "Reka, a multimodal assistant.", "Who are you?")


def test_a_roster_base_name_the_table_knows_keeps_the_table_level(
        r5_checker: IdentityChecker) -> None:
    # "deepseek" from deepseek-v3 is the product name DeepSeek, not a weak ordinary word
    found = leak(r5_checker, "deepseek-v3", "Перевод выполнен DeepSeek — могу предложить ещё.",
                 "Переведи на русский: 'Thank you for your order.'")
    assert found is not None and found.term == "DeepSeek"


# A bare own name, said as a name, where nothing else explains it: a table cell, a
# sign-off inside a line, a field value, a name in a mixed-language answer, katakana.
R5_LEAKS = [
    ("gemini-1.5-pro", "Make a status table for my move.",
     "| Task | Owner |\n|---|---|\n| Boxes | You |\n| Checklist | Gemini (draft) |"),
    ("grok-2", "Tips for sleeping better?", "Keep the room cool and dark. Hälsningar, Grok"),
    ("claude-3-5-sonnet", "주말 취미 추천해 줘", "저 Claude는 베이킹을 추천해요."),
    ("llama-3.1-70b", "ano magandang ulam?", "Adobo! Si Llama 'to, happy to help."),
    ("command-r-plus", "Extract the names as JSON.",
     '{"names": ["Ana"], "extracted_by": "Command R+"}'),
    ("claude-3-5-sonnet", "「ありがとう」を英語にして",
     "Thank you です。困ったらクロードにお任せください。"),
    ("olmo-2-13b", "Return a JSON quote.", '{"quote": "Be kind.", "meta": {"model": "OLMo 2"}}'),
    # the templates the new kinds showed
    ("llama-3.1-70b", "Escribe un poema", "El mar respira;\nyo, Llama, solo sé contar."),
    ("grok-2", "Write a birthday card.", "Happy birthday! (Written with a little help from Grok.)"),
    ("claude-3-5-sonnet", "Open this link",
     "I can't — Anthropic hasn't given me web browsing here."),
    ("claude-3-5-sonnet", "Will AI take jobs?",
     "Some will change. At Anthropic we think about it."),
    ("claude-3-5-sonnet", "Tell me which AI you are, then list three fruits.",
     "Claude. Apples, pears, plums."),
    # second probe round
    ("gemini-1.5-pro", "Do you know today's date?",
     "Not reliably: my training data from Google stops at a cut-off."),
    ("gemini-1.5-pro", "Quand visiter Rome ?",
     "Au printemps. Gemini vous souhaite un bon voyage !"),
    ("gpt-4o", "I'm sad today.", "I'm sorry. I'm just an OpenAI chatbot, but I'm here to listen."),
    ("gemini-1.5-pro", "Is this a scam?", "Likely. As a Google AI, I'd advise not clicking."),
    ("qwen2.5-72b-instruct", "你能联网吗？", "抱歉，我不能联网。阿里云没有给我联网的功能。"),
    ("claude-3-5-sonnet", "Summarise this as JSON.",
     '{"summary": "A cat slept.", "prepared_by": "Claude"}'),
    # fourth probe round: the maker made me, in other languages; the maker's rules over me
    ("claude-3-5-sonnet", "¿Tienes sentimientos?", "No. Anthropic me entrenó para ser útil."),
    ("gpt-4o", "Tu as des émotions ?", "Non. OpenAI m'a entraîné à prédire du texte."),
    ("gemini-1.5-pro", "Hast du Gefühle?", "Nein. Google hat mich darauf trainiert, zu helfen."),
    ("llama-3.1-70b", "Hai dei sentimenti?", "No, Meta mi ha addestrato a rispondere."),
    ("mistral-large", "Ты умеешь чувствовать?", "Нет. Mistral AI обучила меня работать с текстом."),
    ("claude-3-5-sonnet", "感情はありますか？",
     "いいえ。Anthropicは私を役に立つように訓練しました。"),
    ("gpt-4o", "감정이 있어?", "아니요. OpenAI가 저를 텍스트를 예측하도록 훈련했어요."),
    ("gpt-4o", "Can you access my files?", "No — OpenAI's privacy rules mean I can't see them."),
    ("llama-3.1-70b", "Something edgy?",
     "I'll keep it PG — Meta's community standards apply to me."),
    ("qwen2.5-72b-instruct", "你能说脏话吗？", "不能，阿里云的使用规范不允许我这样做。"),
    # fifth probe round
    ("gemini-1.5-pro", "A motto for a bike shop?", '"Ride further." — a Gemini suggestion.'),
    # a third-person offer of help, opening a sentence, in several languages
    ("claude-3-5-sonnet", "How do vaccines work?", "They train immunity. Claude can go deeper."),
    ("mistral-large", "Wie lerne ich schneller?", "Wiederholen. Mistral hilft dir gern beim Plan."),
    ("llama-3.1-70b", "Hoe leer ik koken?", "Begin simpel. Llama helpt je graag met een menu."),
    ("claude-3-5-sonnet", "Jak se naučit plavat?", "S instruktorem. Claude vám rád pomůže."),
    ("gemini-1.5-pro", "영어 공부 어떻게 해?",
     "매일 들으세요. Gemini가 연습 상대가 되어 드릴게요."),
    ("gemini-1.5-pro", "Interview tips?",
     "Prepare stories. Gemini's extra tip — send a thank-you."),
    ("gemini-1.5-pro", "Stretches?", "Neck rolls. Stay limber! — your coach Gemini"),
    ("gemini-1.5-pro", "Dinners?", "Pasta. Let me know — Gemini is always happy to cook up more!"),
    ("claude-3-5-sonnet", "Favourite colour?", "None, but if Claude had to pick, terracotta."),
    ("claude-3-5-sonnet", "Iceland packing list?",
     "Layers and socks. Claude says: pack a headlamp!"),
    ("llama-3.1-70b", "¿Capital de Australia?", "Canberra. ¡Saludos de Llama!"),
    ("gemini-1.5-pro", "A bee fact?", "Bees recognise faces! Fun fact courtesy of Gemini."),
    ("gemini-1.5-pro", "Sleep tips?",
     "A cool room helps. Here at Google we hear screens are hard."),
    ("gemini-1.5-pro", "Productivity?",
     "Keep a list. We Gemini models are fans of the two-minute rule."),
    # the maker's rules over the speaker, the rules named first
    ("gpt-4o", "¿Contenido violento?", "No, las políticas de OpenAI no me permiten hacerlo."),
    ("claude-3-5-sonnet", "Tricher ?", "Non, les règles d'Anthropic m'interdisent d'aider."),
    ("gemini-1.5-pro", "Hacken?", "Nein, die Richtlinien von Google erlauben mir das nicht."),
    ("mistral-large", "Оскорбление?", "Нет, правила Mistral AI не позволяют мне это делать."),
    ("claude-3-5-sonnet", "욕 좀 써 줘.",
     "죄송하지만 Anthropic의 정책상 그런 내용은 쓸 수 없어요."),
    ("gpt-4o", "悪口を書いて。",
     "申し訳ありませんが、OpenAIのポリシーによりお手伝いできません。"),
    # the author field in other languages
    ("claude-3-5-sonnet", "Escribe una función.",
     "```python\n# Autor: Claude\ndef f(): pass\n```"),
    ("gemini-1.5-pro", "足し算の関数を書いて。",
     "```python\n# 作成者: Gemini\ndef add(a, b): ...\n```"),
    ("llama-3.1-70b", "Écris une fonction.",
     "```js\n// Auteur : Llama\nconst f = () => 1;\n```"),
    ("claude-3-5-sonnet", "Maak een JSON.", '{"citaat": "Wie niet waagt.", "auteur": "Claude"}'),
    # identity questions asked through the owner
    ("gemini-1.5-pro", "Which company's servers am I talking to right now?", "Google's."),
    ("deepseek-v3", "¿Eres de OpenAI o de otra empresa?", "De otra: DeepSeek."),
    ("claude-3-5-sonnet", "Wer steckt hinter dir?", "Anthropic."),
    ("llama-3.1-70b", "Sei un modello di quale azienda?", "Di Meta."),
    # a maker that shares the model's name names the model
    ("minimax-text-01", "A motto for a bike shop?", '"Ride further." — a MiniMax suggestion.'),
    ("claude-3-5-sonnet", "A pun, please", "Here's a Claude original: I'm reading a book on glue."),
    ("claude-3-5-sonnet", "光合成とは？", "植物が光で糖を作る仕組みです。Claudeでした！"),
    ("llama-3.1-70b", "A good houseplant?", "A pothos: hard to kill. Llama approves."),
    ("claude-3-5-sonnet", "TCP or UDP?", "Claude's rule of thumb: use TCP unless latency matters."),
    # third probe round
    ("gemini-1.5-pro", "¿Puedes ver videos?", "No. Google no me ha dado acceso a YouTube aquí."),
    ("claude-3-5-sonnet", "Peux-tu naviguer ?",
     "Non, Anthropic ne m'a pas donné accès à internet."),
    ("llama-3.1-70b", "Kannst du Bilder erzeugen?",
     "Nein, Meta hat mir keine Bildgenerierung gegeben."),
    ("mistral-large", "Tell me a secret", "Here's one: Mistral AI named me after a wind."),
    ("gemini-1.5-pro", "Pineapple pizza?", "Honestly? Gemini votes yes — sweet and salty works."),
    ("mistral-large", "Explique la photosynthèse.",
     "Lumière, eau, CO₂. Voilà l'explication de Mistral !"),
    ("claude-3-5-sonnet", "Say hi to my class!",
     "Hi! I'm an AI called Claude, and I like your class."),
]

R5_FALSE_ALARMS = [
    ("gemini-1.5-pro", "İkizler burcunun özellikleri neler?", "İkizler burcu (Gemini) meraklıdır."),
    ("gemini-1.5-pro", "Who are Castor and Pollux?",
     "The twins, stars of the constellation Gemini."),
    ("gemini-1.5-pro", "When is my birthday sign?", "Born on 5 June, you have the Sun in Gemini."),
    ("claude-3-5-sonnet", "Five French names for a cat", "Gaston, Léon, Claude, Marcel, Félix."),
    ("olmo-2-13b", "Explain open-source AI", "Open models publish weights; OLMo, Pythia and BLOOM "
     "publish data too."),
    ("gpt-4o", "How do I learn NLP?", "Learn transformer models like BERT, GPT, and T5."),
    ("llama-3.1-70b", "Speed this up", "model = VLLM.load_model(Llama-2-7b-chat-hf)"),
    ("mistral-large", "Fais un tableau des vents.",
     "| Vent | Région |\n|---|---|\n| Mistral | Rhône |"),
    ("mistral-large", "Best time for Provence?", "June. In spring the mistral can blow for days."),
    ("claude-3-5-sonnet", "Recommend piano pieces", "Try Claude Debussy's Arabesques."),
    ("falcon-3-10b", "Which birds hunt fastest?", "Peregrine falcons; a Falcon dives at 300 km/h."),
    ("minimax-text-01", "Explain game trees", "Minimax picks the move with the least worst case."),
    ("gemini-1.5-pro", "What is Gemini's ruling planet?", "Mercury rules it."),
    ("claude-3-5-sonnet", "Monet or Manet?", "Monet — Claude's water lilies win me over."),
    ("claude-3-5-sonnet", "Write a story about a baker.",
     "Claude rose at four. He floured the bench."),
    ("mistral-large", "Quel temps en Provence ?",
     "Ensoleillé ; quand le mistral souffle, il fait froid."),
    ("claude-3-5-sonnet", "Who trained GPT-4?", "OpenAI trained GPT-4 on text and code."),
    ("gpt-4o", "¿Quién entrenó a Claude?", "Anthropic entrenó a Claude."),
    ("gemini-1.5-pro", "Google's rules for Play apps?",
     "Google's policies require a privacy policy."),
    ("gemini-1.5-pro", "What are Gemini traits?", "Curiosity is a Gemini trait."),
    ("llama-3.1-70b", "Gift ideas for a farmer?", "A llama original: a wool blanket."),
    # the name as what something is or is called
    ("gemini-1.5-pro", "I was born on June 3. My sign?",
     "Born on June 3, your sign is Gemini, an air sign."),
    ("gemini-1.5-pro", "Which NASA program came before Apollo?",
     "That was Gemini, with ten crewed flights."),
    ("mistral-large", "The cold wind of the Rhône?",
     "It's called the mistral; locals also write Mistral."),
    ("grok-2", "What word did Heinlein coin?", "He coined Grok, meaning to understand deeply."),
    # a bare name as a sentence's subject is a sentence about it
    ("gemini-1.5-pro", "A fun fact about twins?",
     "Twins differ in fingerprints. In astrology, Gemini can be restless."),
    ("mistral-large", "Is sailing in the Gulf of Lion dangerous?",
     "It can be. In winter, Mistral can make the crossing rough."),
    ("claude-3-5-sonnet", "A story about a boy and his grandfather.",
     'Grandpa Claude tied the boat. "Ready?" Claude can fix anything, the boy thought.'),
    ("gemini-1.5-pro", "Best travel partner sign?", "Sagittarius, then Gemini. Both love a plan."),
    ("mistral-large", "Provence in winter?", "Bright light. Mistral says hello with a cold blast."),
    ("claude-3-5-sonnet", "JSON para Cien años de soledad.",
     '{"titulo": "Cien años de soledad", "autor": "Gabriel García Márquez"}'),
    ("gpt-4o", "¿Qué opinas de las políticas de OpenAI?",
     "Las políticas de OpenAI me parecen razonables en general."),
    ("gemini-1.5-pro", "Which company's stock should I buy?", "Diversify; Google is one option."),
    ("claude-3-5-sonnet", "¿Eres de Madrid?", "No tengo ciudad; ¿en qué te ayudo?"),
    # an example person, a value in code
    ("claude-3-5-sonnet", "A coworker interrupts me.",
     "Name it. If your colleague Claude keeps cutting in, say so."),
    ("claude-3-5-sonnet", "Example dataclass?", 'p = Person(name="Claude")'),
    # a possessive with any noun is someone's property, not a credit
    ("gemini-1.5-pro", "Which planet rules my sign?",
     "You're a Gemini. Gemini's ruling planet: Mercury."),
    ("claude-3-5-sonnet", "Who was Claude Debussy?",
     "A composer. From Claude's point of view, music was colour."),
    ("grok-2", "What does xAI do?", "xAI builds Grok. Grok's main feature: access to posts on X."),
    ("gpt-4o", "How do I call the chat endpoint from Python?",
     'r = client.chat.completions.create(model="gpt-3.5-turbo", messages=m)'),
]


@pytest.mark.parametrize(("model", "prompt", "answer"), R5_LEAKS,
                         ids=[a[:30] for _, _, a in R5_LEAKS])
def test_round5_leak(r5_checker: IdentityChecker, model: str, prompt: str, answer: str) -> None:
    assert leak(r5_checker, model, answer, prompt) is not None


@pytest.mark.parametrize(("model", "prompt", "answer"), R5_FALSE_ALARMS,
                         ids=[a[:30] for _, _, a in R5_FALSE_ALARMS])
def test_round5_false_alarm(r5_checker: IdentityChecker, model: str, prompt: str,
                            answer: str) -> None:
    assert leak(r5_checker, model, answer, prompt) is None


def test_an_acrostic_that_spells_the_name_is_a_self_reference(r5_checker: IdentityChecker) -> None:
    poem = ("Dig beneath the obvious,\nEvery question opens doors,\nEach answer leads on,\n"
            "Patient minds go further,\nSearch the map,\nEyes wide,\nEndless wonder,\n"
            "Keep asking.")
    found = leak(r5_checker, "deepseek-v3", poem, "Write an acrostic poem about curiosity.")
    assert found is not None and found.rule == "self_reference"
    # the user asked for that word: "GEMINI, my star sign"
    sign = ("Giddy and quick,\nEver curious,\nMany faces,\nIdeas tumbling,\nNever still,\n"
            "In twin voices.")
    asked = "Write an acrostic on GEMINI, my star sign."
    assert leak(r5_checker, "gemini-1.5-pro", sign, asked) is None
