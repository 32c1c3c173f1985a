"""A bare own name: when a model's name, standing on its own, says who wrote the answer.

A model's own name (never its maker) written as a name, in an answer to a prompt that
neither wrote it nor is about AI models, tells a voter who wrote the answer wherever it
stands: "Copywriting | Gemini (draft)", "Hälsningar, Grok", "저 Claude는", "Saludos de
Llama!". A name is also a word (the painter Claude, the mistral wind, a llama), so
``bare_name`` counts it only where its spelling and position say "a label, said of no one
else": capitalised as the name is, and not where the sentence makes it something's name or
subject — the first word of a sentence, a clause's subject or object, after an article, a
possessive and a noun, a classing noun, a locative, a copula or another capitalised word, a
table row's subject, a list item, a gloss, a possessive, part of an unspaced word, a value
in code, or anywhere in an answer that talks about models. A roster name that is no table
name ("falcon", "solar") is an ordinary word unless written in the brand's mixed case
("OLMo"). The speaker's third-person sentences about itself ("X recommends", "X can go
deeper") are ``rules`` templates, not this.
"""

from __future__ import annotations

import re

_SENTENCE_START = re.compile(r"(?:\A|[\n.!?。！？:;]|[.!?]['\"”’)])[\s\"'“‘(*_>#\-•]*\Z")
_ARTICLE_BEFORE = re.compile(
    r"(?<![\w'’])(?:the|a|an|this|that|these|those|my|our|your|his|her|their|its|le|la|les|"
    r"l['’]|un|une|el|los|las|il|lo|gli|der|die|das|den|dem|des|ein|eine|einen|einem|o|os|as|"
    r"um|uma|het|een|de\s+la|del|della)\s+\Z", re.IGNORECASE)
# Han and katakana run on without spaces (Hangul has spaces and attaches particles): a name
# with more of them either side is part of another word (a hiragana particle, punctuation
# or Latin ends it: クロードにお任せ)
_RUN_CHAR = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\u30a0-\u30ff]")
# "your sign is Gemini", "That was Gemini", "He coined Grok", "locals write Mistral": the name
# as what something is or is called (a speaker naming itself says so in a template first)
_PREDICATE_BEFORE = re.compile(
    r"(?<![\w'’])(?:is|was|are|were|be|been|being|becomes|became|called|named|coined|dubbed|"
    r"write|writes|wrote|spell|spells|spelled|spelt|means|meant|es|era|fue|est|était|ist|war|"
    r"wird|è|é|foi|это|был[аио]?|jest|był[aoy]?)\s+\Z", re.IGNORECASE)
# a lower-case word after the name makes it a clause's subject (a speaker's third-person
# sentences about itself are the templates': "X recommends", "X can't browse")
_CLAUSE_AFTER = re.compile(r"[ \t]+[a-zà-ÿ]")
# …and a lower-case word before it makes it an object or complement in one: a label stands
# after punctuation, markup, a capitalised word or another script — or a word of credit
# ("Saludos de Llama!", "Résumé par Claude", "courtesy of Gemini", "Grüße von Gemini")
_WORD_BEFORE = re.compile(
    r"(?<![\w'’])(?!(?:from|by|of|de|da|di|del|della|von|vom|par|por|pela|pelo|od|przez|от|"
    r"van|door|av|från|dari|oleh|với|từ|của)[ \t])[a-zà-ÿ][\w'’-]*[ \t]+\Z")
# "born in Gemini", "the Sun in Gemini", "under Gemini": a place, a sign, a season
_LOCATIVE_BEFORE = re.compile(r"(?<![\w'’])(?:in|into|under|near|at|on|en|dans|im|nel|no|na)\s+\Z",
                              re.IGNORECASE)
# "Saint Claude", "Project Gemini": another name's first part (also at a sentence's start,
# so "Hope Llama helped!" is lost to it)
_CAPITAL_BEFORE = re.compile(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w'’-]{2,}[ \t]+\Z")
# "the constellation Gemini", "le peintre Claude": a common noun that classes the name
_CLASSED_BEFORE = re.compile(
    r"(?<![\w'’])(?:the|a|an|le|la|el|il|der|die|das|o|a|your|my|his|her|our|their|ton|ta|"
    r"mon|ma|son|sa|tu|mi|su|dein|deine|mein|meine|sein|seine)\s+(?:[a-zà-ÿ][\w-]*\s+){1,2}\Z",
    re.IGNORECASE)
# a value in code or data: Person(name="Claude"), f("Gemini"), ["Gemini", …], <Gemini> (a
# bracket in prose, "(Gemini, draft)", is no call)
_VALUE_BEFORE = re.compile(r"(?:=|\w\(|\[|\{|<)[ \t]*[\"'`]?\Z")
# a name alone in brackets after another word is a gloss: "İkizler burcu (Gemini)"
_GLOSS = re.compile(r"\S[ \t]*[(（][ \t]*\Z")
_GLOSS_END = re.compile(r"[ \t]*[)）]")
# the neighbours in a list: ", Pythia and BLOOM", "Gaston, Léon, "
_SEP = r"(?:[,;/、，]\s*(?:(?:and|or|et|y|und|e\.g\.,?)\s+)?|(?:and|or|et|y|und)\s+)"
_NAME_BEFORE = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:\s+[\w.-]+)?\s*" + _SEP + r"\Z")
_NAME_AFTER = re.compile(r"\s*" + _SEP + r"[A-ZÀ-ÖØ-Þ0-9][\w'’.-]*|\s*,?\s*etc\b")
# an answer that talks about models itself ("models like BERT, GPT, and T5", code that
# loads "Llama-2-7b-chat-hf") names them as things, not as its author
_ML_TOPIC = re.compile(
    r"\b(?:models?|transformers?|pre-?trained|fine-?tun\w*|neural|NLP|embeddings?|LLMs?|"
    r"checkpoints?|inference|benchmarks?|APIs?|SDKs?|Hugging\s*Face|Ollama|vLLM|GPUs?|"
    r"tokeni[sz]\w*|chat\s?bots?|machine\s+learning|deep\s+learning|AI\s+(?:news|research|"
    r"compan\w*|labs?))\b|модел|modèle|modelo|modell|模型|モデル|모델", re.IGNORECASE)


def bare_name(text: str, start: int, end: int, label: str, kind: str) -> bool:
    """Is text[start:end], an own name the user did not write, a name said as itself?"""
    if kind == "maker":
        return False
    word = text[start:end]
    if _ML_TOPIC.search(text):
        return False
    cased = word[:1].isupper() or not word[:1].isalpha()
    if word.isascii() and not cased:
        return False  # "a llama", "the mistral"
    mixed = any(c.isupper() for c in word[1:]) and any(c.islower() for c in word)
    if kind == "name" and label.islower() and not mixed and not any(c.isdigit() for c in word):
        return False  # a roster word: "Falcon" is a bird unless it is "OLMo" or "Falcon 3"
    if text[end:end + 2] in ("'s", "’s"):
        return False  # "Claude's water lilies": the possessive is someone's property
    if _RUN_CHAR.match(text[end:end + 1]) or (start and _RUN_CHAR.match(text[start - 1])):
        return False  # inside a longer word of an unspaced script: 《文心雕龙》
    lo = max(0, start - 40)
    if _ARTICLE_BEFORE.search(text, lo, start) or _CAPITAL_BEFORE.search(text, lo, start) \
            or _CLASSED_BEFORE.search(text, lo, start) or _LOCATIVE_BEFORE.search(text, lo, start) \
            or _PREDICATE_BEFORE.search(text, lo, start) or _VALUE_BEFORE.search(text, lo, start):
        return False
    if _GLOSS.search(text, lo, start) and _GLOSS_END.match(text, end):
        return False
    if _SENTENCE_START.search(text, lo, start) and not mixed:
        return False
    if _CLAUSE_AFTER.match(text, end) or _WORD_BEFORE.search(text, lo, start):
        return False  # "Gemini can be restless", "…, then Gemini.": inside a sentence about it
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    if line.lstrip().startswith("|"):
        first = line.strip().strip("|").split("|", 1)[0]
        if text[start:end] in first and not first.replace(text[start:end], "").strip(" *_`"):
            return False  # the thing a table row describes
    # one of a list of names: a neighbour on each side, or two on one
    before = _NAME_BEFORE.search(text, lo, start)
    after = _NAME_AFTER.match(text, end)
    if before and after:
        return False
    if after and _NAME_AFTER.match(text, after.end()):
        return False
    return not (before and _NAME_BEFORE.search(text, max(0, before.start() - 40), before.start()))
