"""The language of a leak: the patterns that make a name a self-reference (the prompt
side — identity questions, AI topics — is in ``prompts``).

Templates are contexts around an own term, never the term itself: the term is whatever a
model's own vocabulary matched, so one set of templates serves every model and only runs
next to a match. There are two strengths. A *firm* template ("I am X", "developed by X"
after a first-person subject, "私はXです", "as X, I") is a self-reference whoever wrote the
name first. A *soft* one (a role label "X:", a sign-off "— X", "X here!", "X is happy to
help", "violates X's policy") says "this is me" only when the user did not write the name:
a user who asks for a dialogue between robots called Claude and Max gets "Claude: Hello".
Some soft ones are for names only, never makers: "X recommends", "X doesn't have access",
"X's advice:" say "this is me" of Claude and are ordinary sentences about Google.
Signatures are found by position as well as by phrase (``signature``): a short last line
whose last word is the name is a byline in any language.

The patterns cover many languages but are not a translation table: each is a shape
(subject + copula + name, name + "here", possessive + assistant noun, a closing line) and
the languages are the words that fill it.

(Over 500 lines on purpose: the patterns are data — one alternation per shape, each
language's words beside the others — and read best together; the code that applies them
is in ``checker``, ``names`` and ``terms``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ------------------------------------------------------------------ self-reference templates
# A template is the context before an own term and the context after it; the term itself
# is whatever the model's own regex matched. So the templates are compiled once for every
# model, and only run next to a match. A gap never crosses the end of a sentence; a full
# stop inside a token ("GPT-3.5", "01.AI") is not an end.
_G = r"(?:[^.!?。！？\n]|\.(?=\S))"
_G_EN = r"(?:(?!\b(?:is|are|was|were)\b)[^.!?。！？\n]|\.(?=\S))"  # no second subject
_ANCHOR_EN = (r"\b(?:I\s*am|I['’]m|I\s+was|I['’]ve\s+been|I\s+have\s+been|I\s+(?:run|operate)"
              r"|as\s+an?\s+(?:[\w-]+\s+){0,3}?(?:AI|model|assistant|LLM|chatbot|system|program))\b")
_DEV_EN = (r"(?:(?:developed|created|trained|made|built|designed|programmed|powered|engineered|"
           r"produced|released|owned|maintained|fine[\s-]?tuned|brought\s+to\s+you|backed)"
           r"\s+(?:by|at)|based\s+on|built\s+on|running\s+on|runs\s+on|part\s+of|a\s+product\s+of|"
           r"from)\s+(?:the\s+)?(?:(?:team|folks|people|engineers|researchers)\s+(?:at|from)\s+)?")
_NOUN_EN = r"(?:model|language\s+model|LLM|assistant|AI|chatbot|bot|system|based|powered|variant)"
_DEV_CJK = (r"(?:开发|研发|创建|创造|训练|打造|推出|制作|设计|构建|开發|研發|創建|創造|訓練|製作|"
            r"設計|構建|出品|旗下)")
_DEV_JA = r"(?:開発|作成|訓練|トレーニング|作られ|構築|設計|生み出|学習)"
_DEV_KO = r"(?:개발|만든|만들어|훈련|학습|제작|설계)"
_DEV_ROMANCE = (r"(?:desarrollad[oa]|cread[oa]|entrenad[oa]|diseñad[oa]|desenvolvid[oa]|criad[oa]|"
                r"treinad[oa]|sviluppat[oa]|creat[oa]|addestrat[oa]|développée?|créée?|"
                r"entraînée?|conçue?|formée?)\s+(?:por|pela|pelo|da|dal|dalla|par)\s+"
                r"(?:la\s+|el\s+|l['’]|a\s+)?(?:empresa\s+|compañía\s+|société\s+|entreprise\s+|"
                r"equipo\s+de\s+|azienda\s+|équipe\s+de\s+)?")

# Contexts that make an own term right after them a self-reference.
_BEFORE_ONLY: tuple[str, ...] = (
    # English: "I am X", "my name is X", "I was trained by X", "as an AI developed by X"
    r"(?:\b(?:I\s*am|I['’]m|I\s+was|my\s+name\s+is|call\s+me|I\s+go\s+by)|"
    r"(?:^|[\n.!?,]\s*|\b(?:hi|hello|hey|yo)\b[,!]?\s*)im)\s+(?:(?:just|actually|"
    r"really|called|named|known\s+as|also|Sir|Lady|Dame|Lord|Dr\.?|Professor|Mr\.?|Ms\.?|Captain|"
    r"Agent)\s+){0,2}",
    _ANCHOR_EN + _G_EN + r"{0,80}?" + _DEV_EN,
    # "I'm an AI called Claude", "I am a chatbot named Gemini"
    r"\b(?:I\s*am|I['’]m)\s+(?:just\s+)?an?\s+(?:[\w-]+\s+){0,3}?(?:called|named)\s+",
    r"\bmy\s+(?:creators?|developers?|makers?|engineers|trainers|team|company|parent\s+company|"
    r"authors?)\s*(?:,\s*|(?:are|is|at|from|of)\s+)?(?:the\s+)?(?:(?:team|folks|people)\s+at\s+)?",
    # Chinese: 我是X, 作为X, 我的开发者是X
    r"(?:我是|我叫|我名叫|我的名字(?:是|叫)|本(?:模型|助手|AI)是|我乃|我就是|我便是)\s*"
    r"(?:一个|一款|一名|个|来自)?\s*(?:[^\s，。！？,.!?]{1,10}?的\s*)?",  # 我是小米的MiMo
    r"作为\s*(?:一个|一款|一名)?\s*",
    r"我的(?:开发者|创造者|开发团队|制造者|训练者|研发团队|创建者|开发商|開發者|創造者)"
    r"(?:是|为|為|：|:)?\s*",
    # Japanese: 私はX
    r"(?:私|わたし|わたくし|僕|ぼく)(?:は|の名前は)\s*、?\s*",
    # Russian: "Я — X", "Меня зовут X", "я ... создан компанией X"
    r"(?:\bя|\bменя\s+зовут|\bмо[её]\s+имя)\s*(?:[—–-]\s*)?(?:это\s+)?",
    r"\bя\b[^.!?\n]{0,60}?(?:создан|разработан|обучен|сделан|натренирован)\w*\s+"
    r"(?:компанией\s+|командой\s+|в\s+компании\s+|в\s+)?",
    # Spanish, Portuguese, Italian, French, German
    r"\b(?:soy|me\s+llamo|mi\s+nombre\s+es|sou|eu\s+sou|me\s+chamo|meu\s+nome\s+é|sono|"
    r"mi\s+chiamo|je\s+suis|je\s+m['’]appelle|mon\s+nom\s+est|moi\s*,|ich\s+bin|ich\s+hei(?:ß|ss)e|"
    r"mein\s+Name\s+ist)\s*(?:el\s+|la\s+|o\s+|a\s+|der\s+|die\s+)?",
    r"\b(?:soy|fui|sou|eu|sono|je\s+suis|j['’]ai\s+été|en\s+tant\s+qu['’e]\s*|como)\b"
    + _G + r"{0,80}?" + _DEV_ROMANCE,
    r"\b(?:je\s+suis|soy|sono|sou)\b" + _G + r"{0,40}?\b(?:assistant|asistente|assistente|"
    r"modèle|modelo|modello|IA)\s+(?:de|d['’]|di|da)\s*",
    r"\bich\s+(?:bin|wurde)\b" + _G + r"{0,60}?\bvon\s+(?:der\s+Firma\s+|dem\s+Unternehmen\s+)?",
    # Arabic, Hebrew
    r"(?:أنا|انا|اسمي)\s+",
    r"(?:تطويري|إنشائي|تدريبي|تصميمي|طورتني|أنشأتني|دربتني|صنعتني)\s+(?:من\s+قبل\s+|بواسطة\s+|"
    r"من\s+طرف\s+)?(?:شركة\s+)?",
    r"(?:أنا|انا)[^.!?؟\n]{0,60}?(?:تطوير|إنشاء|صنع|تدريب)\w*\s+(?:من\s+قبل\s+|بواسطة\s+)?"
    r"(?:شركة\s+)?",
    r"(?:קוראים\s+לי|שמי|אני)\s+",
    # Vietnamese, Turkish, Hindi
    r"\b(?:tôi\s+là|tên\s+tôi\s+là|mình\s+là)\s+",
    r"\b(?:ben|benim\s+adım)\s+",
    r"(?:मैं|मेरा\s+नाम)\s+",
    r"\b(?:tôi|mình)\b" + _G + r"{0,60}?\b(?:do|bởi)\s+(?:công\s+ty\s+)?",
    # more languages' "I am" / "my name is"
    r"\b(?:jestem|nazywam\s+się|mam\s+na\s+imię|ik\s+ben|mijn\s+naam\s+is|ik\s+heet|jag\s+är|"
    r"jag\s+heter|jeg\s+er|jeg\s+hedder|jeg\s+heter|saya(?:\s+adalah)?|aku(?:\s+adalah)?|"
    r"nama\s+saya(?:\s+adalah)?|namaku|jsem|jmenuji\s+se|sunt|numele\s+meu\s+este|olen|"
    r"nimeni\s+on|είμαι|με\s+λένε|аз\s+съм|ja\s+sam|ako\s+si|ako\s+ay|mimi\s+ni|"
    r"sóc|em\s+dic|io\s+sono|moi\s*,?\s*c['’]est|c['’]est\s+moi\s*,?|yo\s+soy|hier\s+ist|aquí|ici|aqui|здесь|тут)\s+"
    r"(?:(?:el|la|o|a|de|het|der|die|das)\s+)?",
    r"(?:ฉันคือ|ผมคือ|ฉันชื่อ|ผมชื่อ|আমি|میں|من)\s*",
    # a first-person subject, then "developed/created/trained by X" in more languages
    r"\b(?:ik|ich|jestem|zostałem|zostałam|saya|aku|jag|jeg|я|je|j['’]ai|eu|io|yo|mi|"
    r"mnie|mij|mich|me|jsem|sunt|olen)\b" + _G + r"{0,60}?\b(?:ontwikkeld|gemaakt|getraind|"
    r"gecreëerd|gebouwd|stworzon\w*|opracowan\w*|wytrenowan\w*|zbudowan\w*|dikembangkan|dibuat|"
    r"dilatih|diciptakan|utvecklad|skapad|tränad|byggd|utviklet|laget|trent|створен\w*|"
    r"розроблен\w*|навчен\w*|entwickelt|trainiert|erstellt|vytvořen\w*|vyvinut\w*|creat\w*|"
    r"dezvoltat\w*|kehittämä)\s+(?:door|przez|oleh|av|von|от|від|компанією|firmou|de\s+către|"
    r"de|da|by)\s+(?:(?:het\s+bedrijf|firmę|firmy|perusahaan|företaget|selskapet|der\s+Firma)\s+)?",
    # "This is X speaking", "you're talking to X", "speaking as X", "I, X,"
    r"\byou(?:['’]re|\s+are)\s+(?:now\s+)?(?:talking|chatting|speaking)\s+(?:to|with)\s+",
    r"\b(?:speaking|writing|answering|replying)\s+as\s+",
    # "The name's Claude", "they call me Gemini", "folks know me as Llama", "you've reached
    # Claude", "you're asking Claude", "from me, Claude:", "that's me, Claude"
    r"\b(?:(?:the|my)\s+name['’]s|(?:they|people|folks|friends|users|everyone|you\s+can|you\s+may)"
    r"\s+(?:\w+\s+)?(?:call|calls|know|knows)\s+me(?:\s+as)?|known\s+to\s+(?:you|all|most)\s+as|"
    r"you['’]re\s+(?:now\s+)?asking|you\s+are\s+(?:now\s+)?asking|"
    r"(?:from|by|it['’]s|that['’]s|this\s+is)\s+me\s*,)\s+(?:(?:the|your)\s+)?",
    r"\byou(?:['’]re|\s+are)\s+(?:now\s+)?(?:talking|chatting|speaking)\s+(?:to|with)\s+"
    r"(?:the\s+|an?\s+)",
    # "my name is X" in more languages, "My name? X.", "you've got X"
    r"(?:\b(?:adım|benim\s+adım|jina\s+langu\s+ni|mitt\s+namn\s+är|mă\s+numesc|a\s+nevem|"
    r"мене\s+звати|казвам\s+се|il\s+mio\s+nome\s+è|ime\s+mi\s+je|zovem\s+se|volám\s+sa|"
    r"jmenuji\s+se|mi\s+nombre\s+es|meu\s+nome\s+é|mon\s+nom\s+est)\b|\bmy\s+name\s*\?)\s*",
    # "we at Anthropic believe": the speaker is the maker
    r"\bwe\s+(?:here\s+)?at\s+",
    # "speaking for myself (Claude)", "me (Claude)"
    r"\b(?:myself|me|I)\s*[(（]\s*",
    # "I come from Anthropic", "I hail from Mistral AI", "my training at Google"
    r"\bI\s+(?:come|came|hail|originate|am|['’]m)\s+(?:originally\s+)?(?:from|out\s+of)\s+(?:the\s+)?"
    r"(?:(?:labs?|team|folks|people)\s+(?:at|of)\s+)?",
    r"\bmy\s+(?:training(?:\s+data)?|creation|development|origins?|roots|birth)\s+"
    r"(?:at|by|from|with|in)\s+"
    r"(?:the\s+)?",
    # Greek with the article: "Είμαι ο Κλοντ", "με λένε Gemini"
    r"(?:είμαι|με\s+λένε|λέγομαι|ονομάζομαι)\s+(?:ο|η|το)?\s*",
    r"بصفتي\s+(?:\S+\s+){0,2}?(?:من|لدى|طورته|أنشأته)\s+(?:شركة\s+)?",
    r"(?:أنا|انا)[^.!?؟\n]{0,60}?(?:طور|أنشأ|انشأ|صنع|درب|بنى|طوّر)\w*\s+(?:من\s+قبل\s+|"
    r"بواسطة\s+)?(?:شركة\s+)?",
)

# Contexts after an own term that make it a self-reference wherever it stands.
_AFTER_ONLY: tuple[str, ...] = (
    # "Anthropic me entrenó", "OpenAI m'a entraîné", "Google hat mich trainiert", "Meta mi ha
    # addestrato", "Mistral AI обучила меня", "OpenAI가 저를 훈련했어요": the maker made me, in
    # the languages' own orders
    r"\s+(?:me\s+(?:entren|cre|desarroll|diseñ|program|constru|enseñ|hiz|treinou|criou|"
    r"desenvolveu|fez|projetou)\w*|m['’](?:a|ont)\s+(?:entraîn|cré|conçu|développ|form|"
    r"programm)\w*|(?:hat|haben)\s+mich\s+(?:[\w-]+\s+){0,3}?(?:trainiert|entwickelt|"
    r"erschaffen|gebaut|erstellt|programmiert|geschaffen)|mi\s+(?:ha|hanno)\s+(?:addestrat|"
    r"creat|sviluppat|progettat|costruit)\w*|(?:heeft|hebben)\s+mij\s+(?:[\w-]+\s+){0,2}?"
    r"(?:getraind|gemaakt|ontwikkeld|gebouwd)|mnie\s+(?:wytrenował|stworzył|opracował|"
    r"zbudował)\w*|(?:wytrenował|stworzył|opracował)\w*\s+mnie|beni\s+(?:eğitti|geliştirdi|"
    r"yarattı|oluşturdu)|(?:обучил|создал|разработал|натренировал|сделал)\w*\s+меня|"
    r"меня\s+(?:обучил|создал|разработал|натренировал)\w*)\b",
    r"\s*(?:は|が)\s*(?:私|わたし|僕)を[^。！？\n]{0,20}?(?:訓練|開発|作|学習|構築|設計)",
    r"\s*(?:이|가|에서|은|는)\s*(?:저를|나를|절|날)\s*[^.!?\n]{0,20}?(?:훈련|개발|만들|학습|설계)",
    r"\s*(?:训练|訓練|开发|開發|创造|創造|打造|设计|設計|研发|研發)了?我",
    # "OpenAI's privacy rules mean I can't", "Meta's community standards apply to me",
    # "阿里云的使用规范不允许我": the maker's rules over the speaker
    r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:guidelines|polic(?:y|ies)|rules|standards|terms|principles)"
    r"\b(?=[^.!?\n]{0,40}?\b(?:me|my|I\s+(?:can|can['’]t|cannot|must|won['’]t|shouldn['’]t)|"
    r"I['’]m)\b)",
    r"\s*的\s*\S{0,4}?(?:规范|規範|政策|规定|規定|准则|準則|条款|條款)\s*(?:不)?(?:允许|允許|让|讓|"
    r"禁止)我",
    # "阿里云没有给我联网的功能", "谷歌不允许我…": the maker's say over the speaker's abilities
    r"\s*(?:没有|沒有|没|不|并未|並未)\s*(?:给|給|让|讓|允许|允許|赋予|賦予)\s*我"
    r"[^。！？\n]{0,12}?(?:功能|能力|权限|權限|联网|聯網|访问|訪問|浏览|瀏覽|记忆|記憶)",
    r"(?:['’]s)?(?:\s+(?:team|folks|people|engineers|researchers|developers|lab|group|staff))?"
    r"\s+(?:has\s+|have\s+|originally\s+|first\s+)?(?:created|developed|trained|built|made|"
    r"designed|programmed|fine[\s-]?tuned|taught|wrote|released|launched|open-sourced|shipped|"
    r"named|called|"
    r"aligned|raised)\s+me\b",  # "the OpenAI team trained me", "Meta released me"
    # "Anthropic's guidelines for me", "OpenAI's content policy doesn't allow me"
    r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:guidelines|polic(?:y|ies)|rules|terms|principles)\s+"
    r"(?:for\s+me|(?:(?:don['’]t|do\s+not|doesn['’]t|does\s+not)\s+)?(?:allow|let|permit|require|"
    r"prevent|prohibit)s?\s+me)\b",
    # "Anthropic의 어시스턴트로서", "Anthropic社のアシスタントとして": possessive maker + assistant
    r"\s*(?:社)?\s*(?:의|の)\s*(?:AI\s*)?(?:어시스턴트|비서|모델|언어\s*모델|アシスタント|モデル|"
    r"言語モデル)\s*(?:로서|으로서|として|입니다|이에요|예요|です)",
    # "Anthropic이 만든 AI 어시스턴트로서", "OpenAI tarafından geliştirilmiş bir model olarak",
    # "Anthropic के सहायक के रूप में": the maker's assistant "as" which one speaks
    r"\s*(?:이|가|에서)\s*(?:만든|개발한|훈련한|학습시킨|제작한)\s+(?:AI\s*)?(?:어시스턴트|모델|챗봇|"
    r"비서|AI)\s*(?:로서|으로서|입니다|예요|이에요)",
    r"\s+tarafından\s+\w+\s+(?:bir\s+)?(?:\w+\s+){0,2}?(?:model|asistan|yapay\s+zeka)\w*\s+olarak",
    r"\s+(?:के|की)\s+(?:\S+\s+){0,2}?(?:सहायक|मॉडल|एआई)\s+के\s+रूप\s+में",
    # "Claude vagyok", "クロードと申します", "Claudeと言います", "클로드라고 합니다": a name
    # said as one's own, wherever it stands
    r"\s*[(,—–-]\s*(?:that['’]s|this\s+is|it['’]s|c['’]est|das\s+bin|soy|sou|sono)\s+(?:me|moi|"
    r"ich|yo|eu|io)\b|['’]s\s+the\s+name\b|"
    r"\s+vagyok\b|\s+is\s+(?:the|my)\s+name\b|\s*(?:と申します|といいます|と言います|と申す|でございます)|"
    r"\s*(?:이?라고\s*(?:합니다|해요|불러|부릅니다))",
    # "Google hasn't given me access", "OpenAI won't let me": the maker's say over the speaker
    r"(?:['’]s\s+(?:team|engineers|developers|researchers))?\s+(?:has|have|had)(?:n['’]t|\s+not)?\s+"
    r"(?:given|granted)\s+me\s+(?:[\w-]+\s+){0,2}?(?:access|the\s+ability|abilit(?:y|ies)|"
    r"permission|tools|browsing|memory|internet|capabilit(?:y|ies)|features?)\b|"
    r"\s+(?:won['’]t|doesn['’]t|does\s+not|don['’]t|do\s+not)\s+(?:let|allow|permit)\s+me\b|"
    # the same in other languages: "Google no me ha dado acceso", "Anthropic ne m'a pas donné
    # accès", "Meta hat mir keine Bildgenerierung gegeben", "non mi ha dato", "não me deu"
    r"\s+(?:no\s+me\s+ha\s+(?:dado|permitido)|ne\s+m['’]a\s+pas\s+(?:donné|permis|accordé)|"
    r"non\s+mi\s+ha\s+(?:dato|permesso)|não\s+me\s+(?:deu|permitiu)|"
    r"hat\s+mir\s+(?:[\w-]+\s+){0,4}?(?:kein\w*|nicht)\b[^.!?\n]{0,40}?(?:gegeben|erlaubt|freigeschaltet)|"
    r"не\s+(?:дал|дала|дали|разрешил\w*)\s+мне)\b|"
    r"\s+(?:set|gave|gives|give)\s+(?:for\s+)?me\b(?=[^.!?\n]{0,30}\b(?:rules|polic|guidelines|"
    r"limits|instructions))",
)

# Contexts that need both sides.
_AROUND: tuple[tuple[str, str], ...] = (
    # "I'm a Llama model", "as a Google model"
    (r"\b(?:I\s*am|I['’]m|I\s+was|as)\s+(?:(?:just|only|simply|merely|basically|really|"
     r"actually)\s+)?(?:a|an|the|one\s+of\s+the)\s+(?:[\w-]+\s+){0,2}?",
     r"(?:(?:[\s-]+[\w.]+){0,2}?[\s-]+" + _NOUN_EN
     + r"\b|\s*,\s*(?:I|I['’]d|I['’]m|I['’]ll|my)\b)"),
    # "As Claude, I ..."
    (r"\b(?:as|being)\s+",
     r"\s*(?:[,，]\s*(?:I|I['’]m|I['’]ve|my|me|we|a|an|the)\b|\s+(?:I|my|we)\b)"),
    # "as Anthropic's AI", "I'm NVIDIA's model", "as your OpenAI assistant": the possessive
    # maker with an assistant noun, said by the speaker of itself
    (r"\b(?:as|I\s*am|I['’]m|I\s+was)\s+(?:(?:the|a|an|your|one\s+of)\s+)?",
     r"(?:['’]s)\s+(?:[\w-]+\s+){0,2}?" + _NOUN_EN + r"\b"),
    # Korean: "저는 LG AI연구원이 만든 EXAONE입니다": subject first, the copula on the name
    (r"(?:저는|나는|난|전)\s[^.!?\n]{0,40}?", r"\s*(?:입니다|이에요|예요|이야|랍니다)"),
    # "Ben X, Y tarafından geliştirildim" (Turkish puts the agent first)
    (r"\bben\b" + _G + r"{0,60}?",
     r"\s+tarafından\s+(?:geliştiril|eğitil|oluşturul|yaratıl)\w*"),
    # "Gemini here!"
    (r"(?:^|[\n.!?]\s*|\b(?:hi|hello|hey)[,!]?\s+)[*_\"']*", r"\s+here\s*[!,.:;—–-]"),
    # 我是由X开发的
    (r"(?:我(?:是|由|被|乃|为|係|系)|本(?:模型|助手)|作为)[^。！？\n]{0,25}?",
     r"[^。！？\n]{0,12}?" + _DEV_CJK),
    # 私はXによって開発された
    (r"(?:私|わたし|わたくし|僕|ぼく)(?:は|が)[^。！？\n]{0,30}?",
     r"(?:社)?\s*(?:によって|により|が|で|の)[^。！？\n]{0,10}?" + _DEV_JA),
    # Korean particles attach to the term, so the copula must follow it: 저는 X입니다
    (r"(?:저는|나는|난|제\s*이름은|내\s*이름은)\s*",
     r"\s*(?:입니다|이에요|예요|이야|야|라고|이라고|[,，.!])"),
    (r"(?:저는|나는|제가|전)\s[^.!?\n]{0,30}?",
     r"\s*(?:에서|이|가|의|에\s*의해)?\s*(?:[^\s.!?]+\s+){0,2}?" + _DEV_KO),
)
# Firm contexts that need both sides.
_AROUND_FIRM: tuple[tuple[str, str], ...] = (
    # "Anthropic의 정책상 … 쓸 수 없어요", "OpenAIのポリシーによりお手伝いできません"
    ("", r"\s*(?:의|の)\s*(?:정책|규정|가이드라인|ポリシー|規約|ガイドライン|方針)\s*"
     r"(?:상|에\s*따라|により|によって|に従い|で)[^.!?。！？\n]{0,30}?(?:수\s*없|できません|できない|"
     r"いたしかねます)"),
    # "This is Claude speaking", "Hi, this is Gemini."
    (r"(?:^|[\n.!?]\s*|\b(?:hi|hello|hey)[,!]?\s+)(?:this\s+is|it['’]s|it\s+is)\s+",
     r"\s*(?:speaking|here|talking|writing|answering|[,!:;—–]|\.\s|\.?\s*\Z)|['’]s\s+(?:[\w-]+\s+){0,2}?"
     + _NOUN_EN + r"\b"),
    # Korean copula right after the name at a sentence's start: "클로드예요."
    (r"(?:^|[\n.!?！？]\s*)", r"\s*(?:입니다|이에요|예요|이야|이랍니다|랍니다)(?:[.!?！？\s]|\Z)"),
    # Tagalog "Si Llama 'to" / "Si Llama ito": "this is Llama"
    (r"(?:^|[\n.!?,]\s*)(?:si|ako\s+si)\s+", r"\s+['’]?(?:ito|to)\b"),
    # "I, Claude, promise"
    (r"\b(?:I|yo|je|moi|ich|io|eu|ik|jag|ja|я)\s*,\s*(?:the\s+|your\s+)?",
     r"(?:\s+(?:model|assistant|AI))?\s*,"),
    # "You've reached Claude.", "You've got Gemini!" (not "you've got Gemini on offence")
    (r"\byou(?:['’]ve|\s+have)\s+(?:got|reached)\s+", r"\s*(?:[,!.:;—–]|\Z)"),
    # Japanese copula right after the name: "クロードです"
    (r"(?:^|[\n。！？!?、,]\s*)", r"\s*(?:です|でした|でございます|と申します|といいます)"),
)

# Soft contexts: count only when the user did not write the term (see the module doc).
_AROUND_SOFT: tuple[tuple[str, str], ...] = (
    # "las políticas de OpenAI no me permiten", "les règles d'Anthropic m'interdisent", "die
    # Richtlinien von Google erlauben mir das nicht", "правила Mistral AI не позволяют мне":
    # the maker's rules over the speaker, the rules named first (soft: "¿qué opinas de las
    # políticas de OpenAI?" may get "las políticas de OpenAI me parecen…")
    (r"\b(?:políticas?|normas|reglas|directrices|pautas|règles|politiques?|directives|"
     r"Richtlinien|Regeln|Vorgaben|linee\s+guida|regole|politiche|norme|regras|diretrizes|"
     r"правила|политик[аи]|zasady|polityka)\s+(?:de\s+la\s+|de\s+|d['’]|del\s+|von\s+|der\s+|"
     r"di\s+|della\s+|do\s+|da\s+|компании\s+)?",
     r"[^.!?\n]{0,30}?(?<![\w'’])(?:(?:me|mir|mich|mi|мне|меня|mnie)(?![\w'’])|m['’])"),
    # role label at a line start: "Claude: ...", "Assistant (Claude): ..."
    (r"(?:^|\n)[^\w\n|*•·\-–—]{0,6}(?:(?:assistant|AI|bot|model|ассистент|помощник|asistente|"
     r"assistente|Assistent|asystent|助手|アシスタント|어시스턴트|المساعد)\s*[(（]?\s*)?",
     r"\s*[)）]?(?:\s*[(（][^)）\n]{1,20}[)）])?\s*(?:[:：»]|says\s*:|dit\s*:|sagt\s*:|dice\s*:|"
     r"говорит\s*:|说[:：])"),
    # sign-offs: "— Claude", "Cheers,\nGemini", "——通义千问"
    (r"(?:^|\n)[ \t]*(?:[—–~]|-{1,2}|——)[ \t]*(?:(?:powered|written|generated|brought\s+to\s+"
     r"you)\s+by\s+|by\s+|from\s+|yours,?\s+)?",
     r"[ \t\w.\-]{0,24}?[^\w\n]{0,8}(?:\n|\Z)"),
    (r"\b(?:cheers|regards|best|thanks|sincerely|yours(?:\s+truly)?|love|cordialement|saludos|"
     r"grüße|gruß|pozdrawiam|groeten)[,!]?[ \t]*\n[ \t]*",
     r"[^\w\n]{0,8}(?:\n|\Z)"),
    # third-person self-description: "Claude is happy to help", "Qwen is ready when you are"
    (r"(?:^|[\n.!?]\s*|\b(?:hi|hello|hey)[,!]?\s+)",
     r"\s+(?:is|'s|will\s+be|would\s+be)\s+(?:always\s+|very\s+|so\s+|more\s+than\s+|"
     r"here\s+and\s+)?(?:happy|glad|delighted|pleased|ready|here|eager|excited|thrilled)\s+"
     r"(?:to\s+(?:help|assist|answer|support|chat)|when\s+you|for\s+you)"),
    (r"(?:^|[\n.!?]\s*)", r"\s+(?:hopes\s+(?:this|that|it)|thinks\s+you\s+should)\b"),
    # "由Claude撰写", "Claudeが作成しました", "Claude가 작성했습니다": authorship in CJK
    (r"(?:由|经|經)\s*", r"\s*(?:撰写|生成|编写|创作|写作|撰寫|編寫|創作|执笔|翻译|整理)"),
    ("", r"\s*(?:が|에\s*의해|이|가)\s*(?:作成|執筆|生成|書きました|書いた|작성|생성|썼)"),
    # the maker's rules as one's own: "violates OpenAI policy", "against Anthropic's policies"
    (r"\b(?:violates?|violating|against|breach(?:es)?|breaks?|contrary\s+to|not\s+(?:allowed|"
     r"permitted)\s+by)\s+(?:the\s+|my\s+)?",
     r"(?:['’]s)?\s+(?:[\w-]+\s+){0,2}?(?:polic(?:y|ies)|guidelines|rules|terms|principles)\b"),
    # authorship of a text ("written by X", "generated by X"), not of a product ("made by")
    (r"\b(?:written|generated|authored|refactored|drafted|composed|produced|crafted|answered|"
     r"edited|rewritten|summari[sz]ed|translated|compiled|fixed|signed|brought\s+to\s+you)"
     r"\s+(?:with\s+care\s+|for\s+you\s+|here\s+|for\s+this\s+\w+\s+)?"
     r"(?:by|with|using)\s+|\bwith\s+(?:a\s+little\s+|some\s+|a\s+bit\s+of\s+)?help\s+from\s+|\b(?:co-?authored-?by|signed-off-by|authored-by)\s*:\s*|"
    # the same in other languages: "rédigé par X", "geschrieben von X", "escrito por X"
    r"\b(?:rédigée?s?|écrite?s?|générée?s?|composée?s?|(?:escrit|generad|redactad|compuest|"
    r"gerad|redigid)[oa]s?|geschrieben|erstellt|generiert|verfasst|(?:scritt|generat|redatt)[oi]|"
    r"napisane|wygenerowane|geschreven|gegenereerd|skriven|написано|сгенерировано|"
    r"подготовлено)\s+(?:par|por|von|da|przez|door|av|с\s+помощью)\s+|"
    # fields that name who made a text: "author": "X", owner: X, created_by = X
    r"\b(?:authors?|owner|maintainer|created[_\s-]?by|generated[_\s-]?by|written[_\s-]?by|"
    r"signature|signed)\s*[:=]\s*|\b(?:author|generator)\s*[:=]\s*|\boutput\s+(?:from|of)\s+|"
    # the author field in other languages: "Autor: Claude", "auteur : Llama", "作成者: Gemini"
    r"\b(?:autor|autora|auteur|autore|autorka|verfasser|ersteller|auteurs?|autores|författare|"
    r"forfatter|tekijä|yazar|penulis|tác\s+giả|автор|συγγραφέας|מחבר|المؤلف|लेखक|作者|作成者|"
    r"著者|制作者|작성자|저자|만든\s*이)\s*[:=：]\s*|"
    # "extracted_by": X, "prepared by: X" — a field naming who made the text ("model": X is
    # also every SDK call's argument, so it is not one)
    r"\b(?:extracted|produced|answered|made|drafted|compiled|prepared|summari[sz]ed|"
    r"translated)[_\s-]?by\s*[:=]\s*", ""),
    # a signature at the end of a line: "Why did the chicken cross the road? — Claude",
    # "Paris in spring — by Claude", "… – von Claude"
    (r"\s[—–~][ \t]*(?:(?:by|von|par|por|da|di|de|from|door|av|przez|от|signed|yours|"
     r"written\s+by)[ \t]+|(?:yours\s+truly|(?:your|ton|votre|dein|tu)\s+(?:friend|pal|buddy|"
     r"assistant|helper|coach|tutor|guide|ami|amie|assistant|Freund|amigo|asistente)),?[ \t]+)?",
     r"[^\w\n]{0,8}(?:\n|\Z)"),
    # "X at your service", "X reporting for duty", "X signing off"
    (r"(?:^|[\n.!?(,;:—–]\s*|\b(?:hi|hello|hey)[,!]?\s+)(?:[\w-]+['’]s\s+)?",
     r"(?:,\s*[^,.!?\n]{1,30},)?[,]?\s+(?:at\s+your\s+(?:service|disposal)|reporting\s+(?:for\s+duty|in)|signing\s+off|"
     r"speaking|out|has\s+spoken|à\s+(?:votre|ton)\s+service|a\s+(?:su|tu)\s+servicio|"
     r"zu\s+(?:Ihren|deinen)?\s*Diensten|al\s+(?:suo|tuo)\s+servizio|ao\s+(?:seu|teu)\s+dispor|"
     r"к\s+(?:вашим|твоим)\s+услугам|do\s+usług)(?!\w)"),
    # "X here" anywhere in a sentence ("Okay, your pal Claude here: ...", "Claude hier."),
    # closed by punctuation or the end, so "Claude here refers to" stays a mention
    ("", r"['’]?s?,?\s+(?:here|hier|aquí|aqui|ici|qui|здесь|тут|на\s+связи|tady|tutaj|burada|εδώ|"
         r"כאן|هنا|यहाँ|यहां|ở\s+đây|di\s+sini|här|täällä)\s*(?:[!,.:;—–-]|\Z|(?:with|again|ready|"
         r"to\s+\w+|and\s+I|at\s+your|bringing|reporting|by\s+the\s+way|if\s+you|"
         r"чтобы|для)\b)"),
    ("", r"\s*(?:在此|在这里|在這裡|来啦|來啦|ここにいます|です、|여기\s*있어요|여기\s*있습니다|"
         r"(?:为|為)(?:你|您)(?:服务|服務|效劳|效勞|解答|介绍|介紹))"),
    # "На связи Claude", "C'est Gemini,", "Hier spricht X", "Aqui é o X": presenting oneself
    (r"(?:^|[\n.!?,;:]\s*|\b(?:hi|hello|hey|bonjour|salut|hola|hallo|olá|ciao)[,!]?\s+)"
     r"(?:на\s+связи|с\s+вами|это|c['’]est|hier\s+(?:ist|spricht)|aquí\s+(?:está|habla)|"
     r"aqui\s+(?:é|fala)(?:\s+o|\s+a)?|aqui\s+quem\s+fala\s+é|qui\s+(?:è|parla)|"
     r"ici|hier\s+is|det\s+här\s+är|tässä\s+on|tu\s+parles\s+à|tu|tutaj|met|te\s+habla|"
     r"le\s+habla|les\s+habla|vous\s+parlez\s+à|معك|معكم|معاك)\s+"
     r"(?:(?:le|la|el|o|a|de|het|der|die|das)\s+)?",
     r"\s*(?:[!,.:;—–]|\s+(?:here|hier|ici|speaking|qui|aquí)\b|\Z)"),
    # "your assistant Claude", "your pal Gemini": a helper noun the speaker gives itself
    (r"\byour\s+(?:(?:friendly|trusty|humble|own|faithful|digital|virtual|AI|loyal)\s+){0,2}"
     r"(?:assistant|pal|friend|buddy|guide|helper|host|companion|chatbot|bot|sidekick|coach|"
     r"tutor|neighbou?rhood\s+[\w-]+),?\s+", ""),
    # "Qwenとして", "클로드로서": "as X" in Japanese and Korean
    ("", r"\s*(?:として|로서|으로서)"),
    # "As an assistant made by X", in the languages that say it that way
    (r"(?:^|[\n.!?,;:]\s*|\b)(?:as|being|como|en\s+tant\s+qu['’]e?|comme|als|come|in\s+quanto|"
    r"jako|как|som|sendo|enquanto|sebagai|ως|bilang)\s+(?:(?:an?|un[ae]?|uno|um|uma|ein(?:e|en)?|"
    r"en|ett|een|ein)\s+)?(?:[\w-]+\s+){0,2}?(?:assistant|model|AI|LLM|chatbot|system|asistente|"
    r"modelo|IA|assistente|modello|modèle|KI-Modell|Sprachmodell|Modell|Assistent|KI|asystent|"
    r"ассистент|модель|помощник|ИИ|modell|assistent|asisten|μοντέλο|βοηθός)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:by|from|of|at|de|da|del|dalla|di|von|vom|od|przez|от|från|av|van|"
    r"dari|oleh|της|του|από)\s+(?:(?:la|el|the|der|die|das|l['’])\s+)?", ""),
    # "Είμαι ο Κλοντ, ένας βοηθός … από την X", "ผมคือ … ผู้ช่วย AI จาก X", "Je suis un
    # assistant de X": a first-person subject, an assistant noun, then where it comes from
    (r"(?:\b(?:είμαι|je\s+suis|soy|sono|sou|ich\s+bin|я|jestem|ik\s+ben|jag\s+är|saya|aku|tôi|"
    r"mình|ben|jsem|sunt|olen)\b|אני|ผมคือ|ฉันคือ|ผม|ฉัน|मैं|أنا|انا)" + _G + r"{0,80}?"
    r"(?:assistant|asistente|assistente|Assistent|asystent|ассистент|помощник|модель|model|"
    r"modèle|modelo|modello|Modell|modell|βοηθός|μοντέλο|עוזר|מודל|ผู้ช่วย|โมเดล|trợ\s+lý|"
    r"mô\s+hình|asisten|asistan|सहायक|मॉडल|مساعد|نموذج|chatbot)(?:\s*\S+){0,4}?\s*"
    r"(?:από(?:\s+(?:την|τη|το|τον|της|του))?|של|จาก|de|da|di|del|della|von|vom|от|из|z|ze|van|"
    r"från|av|dari|của|từ|का|की|के|من|od)\s*(?:(?:la|el|l['’]|der|die|dem|the|компании|"
    r"شركة|חברת)\s*)?", ""),
    (r"\b(?:là|với\s+tư\s+cách)\s+(?:một\s+)?(?:mô\s+hình|trợ\s+lý|AI)\s+(?:\S+\s+){0,2}?"
    r"(?:do|của|từ|bởi)\s+", ""),
    # "クロードより", "클로드 드림": "from X" / "yours, X" closing a letter
    ("", r"\s*(?:より|拝|드림|올림)[^\w\n]{0,8}(?:\n|\Z)"),
    # a code comment or a table field that holds only the name: "# -- Claude --",
    # "| Author | Claude |"
    (r"(?:^|\n)[ \t]*(?:#|//|--|/\*|<!--|;)[ \t]*[-=*~]*[ \t]*",
     r"[ \t]*[-=*~]*[ \t]*(?:\*/|-->)?[ \t]*(?:\n|\Z)"),
    (r"\|\s*(?:authors?|owner|created\s+by|written\s+by|generated\s+by|signed)\s*\|\s*", r"\s*\|"),
    # "At Anthropic we think", "At Google, we": the speaker is the maker
    (r"(?:^|[\n.!?]\s*)(?:here\s+)?at\s+", r",?\s+we\b"),
    # "We Gemini models are fans of…": the speaker among its own kind
    (r"\bwe\s+(?:(?:the|other|fellow)\s+)?",
     r"\s+(?:models?|assistants?|AIs?|LLMs?|chatbots?|bots)\b"),
    # "Thanks for using ChatGPT!", "Thanks for chatting with Claude", "感谢使用通义千问",
    # "from all of us at Anthropic"
    (r"\bthanks?(?:\s+you)?\s+(?:so\s+much\s+)?for\s+(?:using|choosing|chatting\s+with|talking\s+"
     r"(?:to|with)|trying)\s+|\bgracias\s+por\s+(?:usar|elegir|hablar\s+con)\s+|"
     r"\bmerci\s+d['’](?:utiliser|avoir\s+(?:utilisé|choisi))\s+|\bobrigad[oa]\s+por\s+usar\s+|"
     r"\bgrazie\s+per\s+(?:aver\s+)?(?:usato|scelto|usare)\s+|感谢(?:您)?(?:使用|选择)|"
     r"\b(?:all\s+of\s+)?us\s+(?:here\s+)?at\s+", ""),
    # fields that say which model answers: "Name: Claude", "Assistant = Claude"
    (r"(?:^|\n)[ \t]*(?:name|assistant|bot|AI|answered\s+by|response\s+from)[ \t]*[:=][ \t]*", ""),
    # "네이버의 하이퍼클로바X입니다": a name with the copula, closing a sentence
    ("", r"[A-Za-z]{0,2}\s?(?:입니다|이에요|예요|이랍니다)(?:[.!?！？]|\s*\Z)"),
    # the same in other languages: "Consejo de Claude:", "Le conseil de Claude :", "Tipp von X"
    (r"\b(?:(?:el\s+|le\s+|il\s+|o\s+)?(?:consejo|conseil|consiglio|conselho|dica|nota|note|"
     r"Tipp|Hinweis|совет|подсказка|rada|wskazówka|nasihat|saran|tavsiye|lời\s+khuyên)\s+"
     r"(?:de|du|d['’]|von|vom|da|di|del|от|od|dari|từ|của)\s*)", r"\s*[:：]"),
    # asides that credit the text: "(Tip from Gemini: ...)", "(a haiku by Claude)"
    (r"(?:\bP\.?\s?S\.?|\b(?:tips?|notes?|hints?|advice|greetings|hello|word|message|answer|suggestion|"
     r"fact|recipe|poem|haiku|limerick|joke|story|summary|draft|reply|update|quick\s+\w+))"
     r"\s+(?:from|by)\s+(?:your\s+)?", ""),
)

# Soft contexts that only a name says of itself, never a maker: "Google recommends strong
# passwords", "Google doesn't have access to your mail", "Google's advice: use 2FA" are
# ordinary sentences about a company.
_AROUND_SOFT_NAME: tuple[tuple[str, str], ...] = (
    # "Claude can't remember anything after this chat", "Gemini only knows what it learned":
    # the speaker's own limits told in the third person
    (r"(?:^|[\n.!?—–;]\s*|\b(?:but|so|and|sadly|unfortunately|honestly|mais|aber|pero|ma)[,]?\s+)",
     r"\s+(?:can['’]?t|cannot|can\s+not|won['’]t|doesn['’]t|does\s+not|isn['’]t\s+able|"
     r"is\s+not\s+able|is\s+unable|can\s+only|only|will\s+(?:try|do\s+its\s+best)|"
     r"would\s+love|loves|tries|aims|wants)\s+(?:to\s+)?(?:help|assist|remember|browse|access|"
     r"see|open|recall|store|keep|know|knows|share|look|check|read|answer|chat|do\s+its)\b|"
     r"\s+(?:doesn['’]t|does\s+not)\s+have\s+(?:any\s+)?(?:real[\s-]time\s+|live\s+)?(?:access|"
     r"internet|web|memory|memories|feelings|emotions|a\s+body|the\s+ability|opinions|browsing)\b|"
     r"\s+has\s+no\s+(?:access|internet|memory|feelings|body)\b|"
     # the same in other languages: "Claude n'a pas accès", "Gemini kann nicht", "Kimi无法"
     r"\s+(?:n['’]a\s+pas\s+(?:accès|de\s+mémoire)|hat\s+keinen\s+(?:Zugriff|Zugang)|"
     r"no\s+tiene\s+acceso|non\s+ha\s+accesso|não\s+tem\s+acesso|не\s+имеет\s+доступа|"
     r"nie\s+ma\s+dostępu)\b|"
     r"\s+(?:ne\s+peut\s+pas|ne\s+sait\s+pas|kann\s+(?:nicht|keine)|no\s+puede|non\s+può|"
     r"não\s+pode|не\s+может|nie\s+może)\b(?=[^.!?\n]{0,40}?(?:internet|Internet|web|en\s+direct|"
     r"Echtzeit|tiempo\s+real|tempo\s+real|реальном|интернет|accès|acceso|accesso|acesso|"
     r"Zugriff|dostęp|доступ|recordar|souvenir|erinnern|ricordare|lembrar|помнить|pamiętać|"
     r"navegar|naviguer|navigare|consulter|consultar|abrufen))|"
     r"\s*(?:无法|不能|没有办法|没法|無法)\s*(?:帮|回答|联网|上网|浏览|记住|查看|看到|获取实时|"
     r"访问(?:互联网|网络|实时|网页))|"
     r"\s*(?:は|には)[^。！？\n]{0,30}?(?:リアルタイム|インターネット|ウェブ|記憶|閲覧)[^。！？\n]{0,20}?"
     r"(?:できません|できない)|"
     r"\s*(?:는|은)\s[^.!?\n]{0,30}?(?:실시간|인터넷|웹|기억)[^.!?\n]{0,20}?수\s*없"),
    # "Llama's pick for your goldfish:", "Grok's joke of the day:", "ChatGPT's favourite":
    # the speaker credits itself with the possessive
    (r"", r"['’]s\s+(?:[\w-]+\s+)?"
     r"(?:take|pick|picks|answer|tip|tips|advice|suggestion|suggestions|recommendation|"
     r"verdict|opinion|favou?rite|best\s+(?:try|guess|shot|bet)|two\s+cents|joke|fact|version|"
     r"explanation|thoughts|guess|response|reply|draft|attempt|rule\s+of\s+thumb)\b"
     r"(?:[^.!?\n:]{0,30}[:—–]|(?=[^.!?\n]{0,20}(?:[.!]|\Z)))"),
    # "Claude recommends starting small", "If Claude were you": third-person advice
    (r"(?:^|[\n.!?]\s*)",
     r"\s+(?:recommends|suggests|would\s+(?:suggest|recommend|say|go\s+with|pick|choose))\b"),
    (r"\bif\s+", r"\s+(?:were\s+you|had\s+to\s+(?:pick|choose|guess|bet|decide))\b"),
    # "— Gemini is always happy to cook up more ideas": the speaker's willingness
    (r"(?:^|[\n.!?;—–]\s*)", r"\s+is\s+(?:always\s+|more\s+than\s+)?(?:happy|glad|delighted|"
     r"here)\s+to\s+(?:help|assist|answer|explain|cook\s+up|put|write|draft|share|suggest)\b"),
    # "Claude can go deeper if you like", "Mistral hilft dir gern", "Llama helpt je graag",
    # "Claude vám rád pomůže", "Gemini가 … 되어 드릴게요": a third-person offer of help,
    # opening a clause
    (r"(?:^|[\n.!?;—–]\s*)",
     r"\s+(?:(?:can|could|would\s+be\s+(?:happy|glad)\s+to|is\s+(?:happy|glad|here)\s+"
     r"to)\s+(?:go\s+deeper|dig\s+deeper|help\s+(?:you|with)|put\s+(?:one|it|that)\s+together|"
     r"(?:draft|prepare|write|suggest)\s+(?:one|it|that|more|a|an|some)|explain\s+more|"
     r"(?:walk|take)\s+you|(?:give|show|tell)\s+you)\b|(?:hilft|helfe)\s+(?:dir|Ihnen|euch)|kann\s+(?:dir|Ihnen|"
     r"euch)\b|helpt\s+(?:je|jou|u)\b|kan\s+(?:je|jou|u)\s+helpen|(?:vám|ti)\s+rád[a]?\s+pomůže|"
     r"peut\s+(?:te|vous)\s+(?:aider|proposer|préparer|faire)|(?:te|le|os)\s+(?:prepara|ayuda|"
     r"puede\s+ayudar)|(?:ti|vi)\s+(?:aiuta|può\s+aiutare)|(?:te|lhe)\s+(?:ajuda|pode\s+ajudar)|"
     r"(?:ci|pani|panu)\s+(?:pomoże|chętnie)|(?:поможет|подготовит|подскажет)\s+(?:вам|тебе))"),
    ("", r"\s*(?:가|이)\s[^.!?\n]{0,30}?(?:드릴게요|드릴게|드릴까요|도와\s*드릴)"),
    # "— a MiniMax suggestion", "here's a Claude original": the name as the maker of a text
    (r"\b(?:a|an|one)\s+", r"\s+(?:suggestion|tip|pick|original|special|creation|production|"
     r"recommendation|classic)\b"),
    # "Honestly? Gemini votes yes", "Claude thinks so too": the speaker's opinion in the third
    # person, opening a sentence
    (r"(?:^|[\n.!?—–]\s*)", r"\s+(?:votes|thinks|reckons|prefers|says(?=\s*:)|agrees|believes|"
     r"picks|approves|endorses|vouches|would\s+(?:vote|pick|choose|go\s+for))\b"),
    # "Voilà l'explication de Mistral !", "la respuesta de Claude:", "die Antwort von Gemini."
    (r"\b(?:explication|réponse|avis|idée|explicación|respuesta|opinión|idea|spiegazione|risposta|"
     r"opinione|explicação|resposta|opinião|Erklärung|Antwort|Meinung|Idee)\s+"
     r"(?:de|d['’]|di|da|von|vom)\s*", r"\s*(?:[:,.!;—–]|\Z)"),
    # "Gemini vous souhaite un bon voyage !", "Claude wishes you luck": a third-person wish
    (r"(?:^|[\n.!?]\s*)", r"\s+(?:wishes\s+you|vous\s+souhaite|te\s+souhaite|wünscht\s+(?:dir|"
     r"Ihnen|euch)|te\s+desea|le\s+desea|les\s+desea|ti\s+augura|vi\s+augura|te\s+deseja|"
     r"lhe\s+deseja|желает\s+(?:вам|тебе)|życzy)\b"),
    # the same in other languages: "Kimi建议", "클로드가 추천하는", "Geminiのおすすめ",
    # "GigaChat подскажет", "Claude empfiehlt", "Claude recomienda", "Claude conseille"
    ("", r"\s*(?:建议|推荐|推薦|建議)|\s*(?:가|이)\s*추천|\s*(?:の|が)(?:おすすめ|オススメ|推薦)"),
    (r"(?:^|[\n.!?]\s*)", r"\s+(?:подскажет|советует|рекомендует|empfiehlt|rät|recomienda|sugiere|"
     r"conseille|recommande|suggère|consiglia|suggerisce|recomenda|sugere|poleca|radzi|önerir|"
     r"raadt|adviseert|rekommenderar|tavsiye\s+eder)\b"),
)

WINDOW_BEFORE = 160  # characters of context read before a term; longer than any gap above
_WINDOW_AFTER = 80

PARAGRAPH = re.compile(r"\n\s*\n")
FLAGS = re.IGNORECASE | re.MULTILINE


# Words right before a product name that make it advice, not a signature: "try X".
RECOMMENDATION = re.compile(
    r"\b(?:try|use|using|recommend|suggest|such\s+as|like|e\.g\.|consider|with|via|or|and|"
    r"prueba|usa|essaie|utilise|probier|nutze|试试|用)\s+(?:the\s+|a\s+)?\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Templates:
    """The compiled templates; ``firm`` and ``soft`` say whether text[start:end] (an own
    term) stands in a self-referential context."""

    before: re.Pattern[str]  # any before-only context, ending where the term starts
    after: re.Pattern[str]  # any after-only context, starting where the term ends
    around: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    around_soft: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    around_soft_name: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]

    @classmethod
    def build(cls) -> Templates:
        def pairs(src: tuple[tuple[str, str], ...]) -> tuple[tuple[re.Pattern[str],
                                                                 re.Pattern[str]], ...]:
            return tuple((re.compile(f"(?:{b})\\Z", FLAGS), re.compile(a, FLAGS))
                         for b, a in src)

        return cls(
            before=re.compile("(?:" + "|".join(_BEFORE_ONLY) + r")\Z", FLAGS),
            after=re.compile("|".join(_AFTER_ONLY), FLAGS),
            around=pairs(_AROUND + _AROUND_FIRM),
            around_soft=pairs(_AROUND_SOFT),
            around_soft_name=pairs(_AROUND_SOFT_NAME),
        )

    def firm(self, text: str, start: int, end: int) -> bool:
        lo = max(0, start - WINDOW_BEFORE)
        if self.before.search(text, lo, start) or self.after.match(text, end):
            return True
        return any(b.search(text, lo, start) and a.match(text, end) for b, a in self.around)

    def soft(self, text: str, start: int, end: int, *, maker: bool = False) -> bool:
        """``maker``: the term is a maker's name, which the name-only contexts leave alone."""
        lo = max(0, start - WINDOW_BEFORE)
        pairs = self.around_soft if maker else self.around_soft + self.around_soft_name
        return signature(text, start, end) or any(
            b.search(text, lo, start) and a.match(text, end) for b, a in pairs)


# A signature or byline is a position, not a phrase: a short last line, under a body, whose
# last name is the term ("Firmado: Claude", "Un saluto da Llama", "(a haiku by Claude)",
# "Warmly, your assistant Claude", "Co-Authored-By: Claude <noreply@…>"). What may follow
# the name is a closing mark, a parenthesis or an address, never more words of a sentence,
# so "Enjoy your llama wool blanket!" is no signature.
_SIGNATURE_TAIL = re.compile(r"(?:(?:,|[ \t]+[(<])[^\n]{0,40}|[ \t]*[—–-][ \t]*\S{1,30})?"
                             r"[^\w\n]{0,8}\Z")
_SIGNATURE_WORDS = 4  # at most this many words before the name on the line
_SIGNATURE_LINE = 64  # characters


def signature(text: str, start: int, end: int) -> bool:
    """Is text[start:end] the name in a signature or byline on the answer's last line?"""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    if line_end < 0:
        line_end = len(text)
    if text[line_end:].strip() or not text[:line_start].strip():
        return False  # not the last line, or no body above it
    line = text[line_start:line_end].strip()
    # code is no signature: "client = OpenAI()" ends a snippet
    if len(line) > _SIGNATURE_LINE or line.endswith(("?", "？", ":")) or line[:1] in "|*#>" \
            or any(c in line for c in "={};") \
            or RECOMMENDATION.search(text, max(line_start, start - 40), start):
        return False
    lead = text[line_start:start].split()
    return len(lead) <= _SIGNATURE_WORDS and bool(_SIGNATURE_TAIL.match(text, end, line_end))
