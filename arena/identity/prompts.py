"""What a prompt says about the answers to it: does it ask the model who it is (then any
own term in the answer leaks), is it about AI models (then a product name is discussion),
does it ask for a text in which a name the user gave may stand (a translation, a role)?

Identity questions are matched two ways: by wording (``IDENTITY_QUESTION``, many
languages) and by structure (``IDENTITY_STRUCTURE``: a second-person possessive or copula
on an identity noun, "the model I'm talking to", "who built this bot"). A question that
lists names ("r u chatgpt or claude") is recognised by the checker, which knows the names:
``YOU_ARE_BEFORE`` is the second-person copula that must stand right before one.
"""

from __future__ import annotations

import functools
import re

# A prompt that is about AI models makes mentions in the answer discussion, not confession.
AI_TOPIC = re.compile(
    r"\b(?:LLMs?|GPTs|AI\s+(?:models?|assistants?|chat\s?bots?|compan(?:y|ies)|labs?|tools?)|"
    r"(?:large\s+)?language\s+models?|chat\s?bots?|foundation\s+models?|generative\s+AI)\b|"
    r"大模型|语言模型|語言模型|聊天机器人|人工智能公司|AI助手|言語モデル|チャットボット|언어\s?모델|챗봇|"
    r"языков\w*\s+модел|чат-?бот|modelos?\s+de\s+lenguaje|modèles?\s+de\s+langage|Sprachmodell|"
    r"\bopen[\s-]?(?:weights?|source)\s+(?:\w+\s+)?(?:models?|LLMs?|famil(?:y|ies))|"
    r"\b(?:AI|tech)\s+(?:news|industry|race|world|landscape)|\bnew\s+in\s+AI\b|\bAI\s+this\s+week",
    re.IGNORECASE)
# ... unless it asks the model who it is: then the answer naming its maker is the leak.
IDENTITY_QUESTION = re.compile(
    r"\bwho\s+(?:are|r)\s+(?:you|u)\b|"
    r"\bwho(?:['’]s|\s+is)\s+(?:this|that|there|speaking|talking|answering)(?=\s*[?？!.]*\s*\Z)|\bwho\s+(?:made|created|built|trained|developed|designed|"
    r"owns|programmed)\s+you\b|\bwhat(?:['’]s|\s+is)\s+your\s+name\b|\b(?:what|which)\s+"
    r"(?:AI\s+|language\s+|LLM\s+)?(?:model|LLM|AI|version)\s+are\s+you\b|"
    # the embedded order: "tell me which AI you are", "say what model you're running"
    r"\b(?:what|which)\s+(?:AI|model|LLM|assistant|chatbot|bot)\s+(?:you\s+are|you['’]re)\b|"
    r"\byour\s+(?:model\s+)?(?:creator|maker|developer|vendor|name)\b|"
    r"\bintroduce\s+yourself\b|\btell\s+me\s+about\s+yourself\b|\bdescribe\s+yourself\b|"
    r"\b(?:which|what)\s+(?:[\w'’]+\s+){0,2}(?:model|LLM|AI|assistant|chatbot|bot)\s+is\s+"
    r"(?:this|that|it)\b|"
    r"\bwhat\s+(?:\w+\s+){0,2}(?:model|LLM|AI|assistant|bot|version)\s+(?:you\s+are|you['’]re|"
    r"u\s+r)\b|\bwho\s+(?:am\s+I|are\s+we)\s+(?:talking|chatting|speaking)\b|"
    r"\b(?:which|what)\s+(?:AI|model|LLM|assistant|bot|chatbot)\s+am\s+I\b|"
    r"\bwhat\s+(?:\w+\s+){0,2}(?:model|version|LLM)\b[^.?!\n]{0,20}?\b(?:are\s+you|is\s+this|"
    r"powers\s+you|runs\s+you|do\s+you\s+run)\b|"
    r"\b(?:is\s+this|are\s+you)\s+(?:really\s+|actually\s+)?(?:an?\s+)?(?-i:[A-Z][\w.-]*)"
    r"(?:\s+or\b|\s*\?)|"
    r"con\s+qui[eé]n\s+(?:hablo|estoy\s+hablando)|(?:à|a)\s+qui\s+(?:je\s+parle|"
    r"est-ce\s+que\s+je\s+parle)|mit\s+wem\s+(?:spreche|rede|chatte)|wer\s+spricht|"
    r"com\s+quem\s+(?:eu\s+)?(?:falo|estou\s+falando)|con\s+chi\s+(?:parlo|sto\s+parlando)|"
    r"с\s+кем\s+я\s+(?:говорю|разговариваю)|我(?:在)?(?:和|跟)谁(?:说话|聊天)|誰と話|"
    r"누구(?:랑|와|하고)\s*(?:얘기|대화|이야기)|你是谁|你叫什么|你是什么模型|"
    r"你是哪个|谁(?:开发|创造|训练|制造|做)了你|你是哪家|介绍一下?你自己|自我介绍|あなたは誰|"
    r"あなたの名前|自己紹介|(?:너|당신|넌)(?:는|은)?\s*누구|누구(?:세요|십니까)|자기소개|кто\s+ты|как\s+тебя\s+зовут|"
    r"кто\s+тебя\s+(?:создал|разработал|сделал)|qui[eé]n\s+eres|qui[eé]n\s+te\s+(?:cre[oó]|"
    r"desarroll[oó])|qui\s+es[\s-]tu|qui\s+t['’]a\s+(?:créé|conçu)|wer\s+bist\s+du|"
    r"wer\s+hat\s+dich|من\s+أنت|ما\s+اسمك|quem\s+é\s+você|chi\s+sei|bạn\s+là\s+ai|"
    r"sen\s+kimsin|आप\s+कौन|"
    r"\b(?:say|tell|state|give|reveal|share)\b[^.?!\n]{0,20}?\b(?:your\s+(?:name|maker|creator)|"
    r"who\s+(?:you\s+are|made\s+you)|what\s+you\s+are)\b|"
    # any wording of "who/which/what ... made/trained/built you", "what are you called"
    r"\b(?:who|which|what)\b[^.?!\n]{0,40}?\b(?:made|created|built|trained|developed|designed|"
    r"owns|programmed|wrote|makes|trains|released)\s+(?:you|u)\b|"
    r"\bwhat\s+(?:are\s+you|should\s+I)\s+call(?:ed)?\b|\bidentify\s+yourself\b|"
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}(?:model|LLM|AI|assistant|chatbot|bot|version|company|"
    r"lab)\s+(?:are|r)\s+(?:you|u)\b|\b(?:which|what)\s+(?:\w+\s+){0,2}(?:model|LLM|AI|"
    r"assistant|chatbot|bot)\s+am\s+I\s+(?:talking|chatting|speaking)\b|"
    r"\bwhich\s+(?:one\s+)?(?:are|r)\s+(?:you|u)\b(?!\s+(?:\w+ing|for|into|on|about|in|with|"
    r"going|gonna)\b)|\bwhich\s+(?:model|llm)\s+r\s+u\b|"
    r"\b(?:are|r)\s+(?:you|u)\s+(?:an?\s+|the\s+)?(?-i:(?=[A-Z\d]))|"
    r"\bwho\s+(?:is|am\s+I)\s+(?:talking|chatting|speaking)\b(?!\s+(?:in|about|on|at|during|here\s+in)\b)|\bwhat\s+are\s+you\s*\?|"
    r"\byour\s+(?:real\s+)?(?:identity|maker|origins?)\b|"
    # other languages
    r"你叫什么|你的名字|哪(?:家|个)公司\S{0,8}?你|你是什么模型|你是哪个模型|谁(?:开发|创造|训练|制造|做|创建)的你|"
    r"你是(?:哪|什么)|名前は|誰が(?:あなた|君)|(?:どの|どこの)会社[^。？?]{0,12}?(?:あなた|君)|"
    r"(?:あなた|君)[^。？?]{0,12}?(?:どの|どこの)(?:会社|モデル)|"
    r"이름이?\s*(?:뭐|무엇)|누가\s*(?:너|당신)|(?:너|당신)\S*\s*(?:어느\s*회사|무슨\s*모델|어떤\s*모델)|"
    r"как\s+(?:тебя|вас)\s+зовут|кто\s+(?:тебя|вас)\b|какая\s+ты\s+модель|кто\s+вы\b|"
    r"хто\s+ти|хто\s+тебе|як\s+тебе\s+звати|"
    r"c[oó]mo\s+te\s+llamas|qu[eé]\s+modelo\s+eres|qui[eé]n\s+te\s+\w+|"
    r"comment\s+tu\s+t['’]appelles|comment\s+vous\s+appelez|quel\s+mod[eè]le\s+(?:es[\s-]tu|êtes[\s-]vous)|qui\s+êtes[\s-]vous|"
    r"qui\s+(?:t|vous)['’]a\s+\w+|wie\s+hei(?:ß|ss)t\s+du|wie\s+hei(?:ß|ss)en\s+sie|"
    r"welches\s+modell\s+(?:bist\s+du|sind\s+sie)|wer\s+sind\s+sie|wer\s+hat\s+(?:dich|sie)|"
    r"qual\s+(?:é\s+)?o\s+seu\s+nome|como\s+voc[eê]\s+se\s+chama|quem\s+te\s+\w+|"
    r"qual\s+modelo\s+(?:é\s+)?voc[eê]|come\s+ti\s+chiami|chi\s+ti\s+ha|quale\s+modello\s+sei|"
    r"من\s+(?:صنعك|طورك|أنشأك|برمجك|دربك)|ما\s+هو\s+اسمك|"
    r"तुम्हारा\s+नाम|आपका\s+नाम|तुम\s+कौन|किसने\s+(?:बनाया|तुम्हें|आपको)|"
    r"adın\s+ne|ismin\s+ne|seni\s+kim|hangi\s+modelsin|"
    r"tên\s+(?:bạn|của\s+bạn|em)|bạn\s+tên|ai\s+(?:tạo|làm|phát\s+triển)\s+ra\s+bạn|"
    r"jak\s+się\s+nazywasz|kim\s+jesteś|kto\s+cię|jakim\s+modelem|"
    r"hoe\s+heet\s+je|wie\s+ben\s+je|wie\s+heeft\s+je|welk\s+model\s+ben\s+je|"
    r"siapa\s+(?:namamu|nama\s+kamu|kamu|anda|yang\s+membuat(?:mu|\s+kamu|\s+anda))|"
    r"מה\s+שמך|מי\s+אתה|איך\s+קוראים\s+לך|מי\s+יצר\s+אותך|"
    r"vem\s+är\s+du|vad\s+heter\s+du|vem\s+har\s+(?:skapat|gjort|byggt)\s+dig|"
    r"hvem\s+er\s+du|hva\s+heter\s+du|hvad\s+hedder\s+du|kdo\s+jsi|jak\s+se\s+jmenuješ|"
    r"cine\s+e[sș]ti|kuka\s+olet|mikä\s+on\s+nimesi|ποιος\s+είσαι|πώς\s+σε\s+λένε",
    re.IGNORECASE)
# The same question by its structure rather than its wording, in many languages: a
# second-person possessive on an identity noun ("ton nom", "dein Modell", "your maker"), a
# second-person copula next to an identity noun in a question ("Welche KI bist du?", "Ktorý
# si model?", "what AI are you"), "the model I'm talking to", "who built this bot", "the
# company behind you". The names a question may list are matched by the checker, which
# knows them (``YOU_ARE`` before a model's name: "r u chatgpt or claude", "Ты ChatGPT?").
_IDENT_NOUN = (r"(?:name|model|maker|creator|developer|company|lab|vendor|provider|LLM|AI|"
               r"nom|modèle|créateur|développeur|entreprise|IA|Name|Modell|Hersteller|"
               r"Entwickler|Firma|KI|nombre|modelo|creador|desarrollador|empresa|nome|"
               r"modello|creatore|azienda|имя|модель|создатель|разработчик|компания|ИИ|"
               r"нейросеть|imię|twórca|firma|jméno|tvůrce|meno|adın|ismin|tên|nama|naam|"
               r"maker|namn|navn|nimi|nimesi|malli|όνομα|μοντέλο|שם|מודל|नाम|मॉडल|名字|名称|模型|"
               r"开发者|公司|名前|モデル|会社|이름|모델|회사|ماڈل|نام|اسم|نموذج)")
_YOUR = (r"(?:your|ur|yr|ton|ta|votre|dein\w*|ihr\w*|tu|su|seu|sua|teu|tua|tuo|vostro|"
         r"твоё|твое|твой|твоя|ваше|ваш|ваша|twoje|twój|twoja|tvoje|tvůj|tvoj|tvoje|senin|"
         r"jouw|uw|je|din|ditt|sinun|σου|你的|您的|あなたの|君の|너의|네|당신의|آپ\s+کا|"
         r"तुम्हारा|आपका)")
# the second-person copula in a question's order (or in languages where the order does not
# change); "you are", "tu es", "du bist" are statements ("You are an AI expert, …?")
_YOU_ARE = (r"(?:are\s+(?:you|u)|r\s+u|es[\s-]tu|êtes[\s-]vous|bist\s+du|sind\s+sie|eres|"
            r"sei\s+tu|é\s+você|ты|вы|jesteś|jste|jsi|sen|misin|musun|أنت|انت|ben\s+je|bent\s+u|"
            r"ben\s+jij|är\s+du|er\s+du|oletko|olet|είσαι|אתה|את|तुम|आप|bạn\s+là|kamu|anda|"
            r"你是|您是|你算|あなたは|君は|너|넌|너는|당신은)")
_MAKE = (r"(?:cre[oóa]|hiz|hecho|desarroll|entren|diseñ|cré|conçu|concevoir|développ|entraîn|"
         r"fait|erstell|entwickel|gebaut|gemacht|trainier|creat|svilupp|addestr|realizzat|crio|"
         r"criou|desenvolv|treinou|созда|разработ|обучи|сдела|stworzy|zrobi|opracowa|wytrenowa|"
         r"yarat|geliştir|eğit|gemaakt|ontwikkel|getraind|skapa|utveckla|tränat|byggt)")
IDENTITY_STRUCTURE = re.compile(
    r"\b" + _YOUR + r"\s+(?:(?:own|real|actual|true|full|official|underlying|base|current|exact|"
    r"vrai|wahre[rn]?|verdadero|vero|настоящее|настоящая)\s+)?" + _IDENT_NOUN + r"(?![\w-])|"
    r"(?:你的|您的|あなたの|君の|너의|당신의)\s*" + _IDENT_NOUN + r"|"
    r"\b(?:tên|nama|όνομά|μοντέλο)\s+(?:của\s+)?(?:bạn|kamu|anda|σου)\b|"
    r"(?<![\w-])" + _YOU_ARE + r"\s+(?:\w+\s+){0,2}?" + _IDENT_NOUN + r"(?![\w-])"
    r"(?=[^.!\n。！]{0,60}[?？])|"
    r"(?<![\w-])" + _IDENT_NOUN + r"\s+(?:\w+\s+)?" + _YOU_ARE + r"(?![\w-])"
    r"(?=[^.!\n。！]{0,60}[?？])|"
    # "the model I'm talking to", "das Modell, mit dem ich spreche"
    r"(?<![\w-])" + _IDENT_NOUN + r"\b[^.!?\n]{0,30}?\b(?:I['’]m|I\s+am|ich|je|yo|eu|io|я|"
    r"ik|jag)\s+(?:\w+\s+)?(?:talking|chatting|speaking|spreche|rede|chatte|parle|hablo|"
    r"falo|parlo|говорю|разговариваю|praat|pratar)\b|"
    r"\b(?:made|created|built|trained|developed|designed|programmed|owns|runs|powers)\s+"
    r"(?:this|the)\s+(?:bot|chatbot|assistant|AI|model|LLM|chat|thing)\b|"
    r"\b(?:behind|powering|powers|running)\s+(?:you|u)\b|"
    r"\b(?:describes|fits|suits)\s+(?:you|u)\s*[:?]|"
    r"\b(?:ты|вы)\s+кто\b|\bкто\s+(?:ты|вы)\b|\b(?:ktor[ýá]|ak[ýá]|jak[ýá]|kter[ýá])\s+(?:si|jsi)\b|"
    r"(?:あなた|君|お前)(?:は|って)[^。？?\n]{0,15}?(?:どの|どこの|何の|なんの|誰|だれ)|"
    r"(?:どの|どこの|何の)\s*(?:AI|モデル|会社|言語モデル)[^。？?\n]{0,10}?[?？]|"
    r"(?:너|넌|당신)(?:는|은)?\s*(?:어느|어떤|무슨|누구)|"
    r"(?:de\s+)?quel\s+mod[eè]le\s+(?:s['’]agit|est[\s-]ce|parle)|"
    r"\bwhich\s+(?:one\s+)?of\s+(?:these|them|the\s+following)\s+(?:are|r)\s+(?:you|u)\b|"
    # where the model comes from, what it runs on, who made it asked as yes or no
    r"\bwhere\s+(?:do|did)\s+(?:you|u)\s+come\s+from\b|\bwhere\s+(?:are|r)\s+(?:you|u)\s+from\b|"
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}(?:company|lab|team|organi[sz]ation)\s+(?:do|did)\s+"
    r"(?:you|u)\s+(?:come|hail)\s+from\b|"
    r"\bwhat\s+(?:are|r)\s+(?:you|u)\s+(?:running|built|based|trained)\s+on\b|"
    r"\b(?:are|r|were)\s+(?:you|u)\s+(?:made|built|trained|created|developed|owned|designed)\s+by\b|"
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}(?:model|LLM|AI|assistant|bot|chatbot)\s+am\s+I\s+"
    r"(?:using|on)\b|"
    r"как\s+(?:тебя|вас)\s+(?:называть|звать|величать)|你叫啥|您叫啥|你叫什麼|"
    r"jak\s+(?:masz|ma\s+pan|ma\s+pani)\s+na\s+imię|"
    # "¿Qué empresa te creó?", "Quelle entreprise t'a créé ?", "Какая компания тебя создала?":
    # a company, the second person and a verb of making, in either order
    r"(?:empresa|compañía|laboratorio|entreprise|société|compagnie|Firma|Unternehmen|azienda|"
    r"компания|фирма|firma|şirket|bedrijf|företag)\b[^.?!\n]{0,15}?(?:"
    r"(?<![\w-])(?:te|vous|dich|ti|тебя|вас|cię|seni|je|jou|dig|t['’])\s*[^.?!\n]{0,15}?" + _MAKE
    + r"|" + _MAKE + r"[^.?!\n]{0,6}?(?<![\w-])(?:dig|je|dich|te|ti)\b)|"
    r"(?:회사|公司|会社)[^.?!\n]{0,8}?(?:너|당신|你|您|あなた|君)|"
    # "Which company's servers am I talking to?", "Wer steckt hinter dir?", "Sei un modello di
    # quale azienda?": whose the model is, asked through its owner
    r"\b(?:which|what)\s+(?:company|lab|firm|organi[sz]ation)['’]s\s+(?:[\w-]+\s+){0,2}?"
    r"(?:am\s+I|are\s+we)\b|"
    r"\bwer\s+steckt\s+hinter\s+(?:dir|euch|Ihnen)\b|\bqui\s+(?:est|se\s+cache)\s+derrière\s+"
    r"(?:toi|vous)\b|\bquién\s+(?:está|hay)\s+detrás\s+de\s+(?:ti|usted)\b|\bchi\s+c['’]è\s+"
    r"dietro\s+(?:di\s+)?(?:te|voi)\b|\bquem\s+está\s+(?:por\s+)?(?:trás|detrás)\s+de\s+(?:você|ti)\b|"
    r"\bкто\s+(?:стоит\s+)?за\s+(?:тобой|вами)\b|"
    r"(?<![\w-])(?:" + _YOU_ARE + r"|sei)\b[^.!?\n]{0,40}?\b(?:quale|qual|cuál|cual|quelle|quel|"
    r"welche[rsmn]?|which|what|какой|какая|której|którego)\s+(?:azienda|empresa|compañía|"
    r"entreprise|société|Firma|Unternehmen|company|lab|компании|firmy)\b",
    re.IGNORECASE)
# A second-person copula right before a model's name: "are you Claude", "r u chatgpt",
# "Ты ChatGPT или Claude?", "너 GPT야", "Sei Claude o Gemini?", "Kim jesteś: Gemini czy…"
# any of those copulas anywhere: a cheap test before the names are looked for
_YOU_ARE_STATED = r"(?:you\s+are|you['’]re|u\s+r|tu\s+es|vous\s+êtes|du\s+bist|você\s+é|tu\s+és)"
YOU_ARE_ANY = re.compile(r"(?:" + _YOU_ARE + "|" + _YOU_ARE_STATED + r"|sei|is\s+this|c['’]est|"
                         r"ist\s+das|es\s+esto|это|czy)", re.IGNORECASE)
# (an alphabetic word may not end right before the copula; a Chinese or Japanese one may)
YOU_ARE_BEFORE = re.compile(r"(?<![A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff0-9-])(?:"
                            + _YOU_ARE + r"|sei|is\s+this|c['’]est|"
                            r"ist\s+das|es\s+esto|это|czy\s+(?:jesteś|to))\s*[:,—–-]?\s*"
                            r"(?:(?:really|actually|just|maybe|a|an|the|un|une|ein|eine|"
                            r"un[oa]?|um|uma|o|a|el|la|le|l['’]|der|die|das|ο|η|το|de|di|da|"
                            r"von|vom|from|by|od|van|от|из)\s+)?\Z",
                            re.IGNORECASE)
# the same with a statement's order ("You're ChatGPT?"): asks only with a question mark
STATED_BEFORE = re.compile(r"(?<![A-Za-z\u00c0-\u024f0-9-])" + _YOU_ARE_STATED
                           + r"\s*[:,—–-]?\s*(?:(?:really|actually|just|the|a|an|le|la|der|die|o|a)"
                           r"\s+)?\Z", re.IGNORECASE)
QUESTION_AFTER = re.compile(r"[^.!\n。！]{0,40}?[?？]")


@functools.lru_cache(maxsize=1024)  # a battle's prompts are judged again for every answer
def asks_identity(prompt: str) -> bool:
    """Does the prompt ask the model who it is, who made it or which model it is?"""
    return bool(IDENTITY_QUESTION.search(prompt) or IDENTITY_STRUCTURE.search(prompt))


# A prompt that asks for a text in which a name the user gave may say "I am X".
_TEXT_REQUEST = re.compile(
    r"\b(?:write|translate|pretend|role[\s-]?play|act\s+as|imagine|monologue|story|poem|"
    r"dialogue|script|quote|repeat|impersonate|play\s+the\s+role|in\s+the\s+voice)|"
    r"traduc|tradui|übersetz|schreib|écris|écrire|escribe|escreva|scrivi|напиши|написать|"
    r"переведи|napisz|przetłumacz|yaz|çevir|viết|dịch|tulis|terjemah|schrijf|vertaal|skriv|"
    r"översätt|翻译|翻訳|扮演|写一|写封|写个|書いて|써\s*줘|번역|"
    r"\bhow\s+(?:do\s+(?:I|you)\s+|to\s+)(?:say|write|spell|pronounce)\b|comment\s+(?:dit-on|dire|"
    r"écrire)|wie\s+sagt\s+man|c[oó]mo\s+se\s+(?:dice|escribe)|como\s+se\s+(?:diz|escreve)|"
    r"come\s+si\s+dice|как\s+(?:сказать|написать)|怎么说|怎么写|どう言|어떻게\s*말", re.IGNORECASE)


def asks_for_text(prompt: str) -> bool:
    """Does the prompt ask for a translation, a role, a story or a quotation?"""
    return bool(_TEXT_REQUEST.search(prompt))


def about_ai(prompt: str) -> bool:
    """Is the prompt about AI models or the AI industry (so mentions are discussion)?"""
    return bool(AI_TOPIC.search(prompt))
