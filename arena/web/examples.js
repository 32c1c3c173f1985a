// Example prompts for an empty page, in the voter's own language (the browser's list of
// preferred languages, first match wins; English otherwise). Everyday tasks of the kinds
// arena voters ask — writing, explaining, planning, code — and never a question about who
// the models are (that vote would not count).

const EXAMPLES = {
  en: ["Explain how vaccines train the immune system, for a 12-year-old",
    "Write a polite email asking my landlord to fix the heating",
    "Plan a 3-day trip to Lisbon on a small budget",
    "Write a Python function that checks whether a string is a palindrome"],
  fr: ["Explique simplement comment fonctionne une carte bancaire sans contact",
    "Rédige un message poli pour décaler un rendez-vous chez le médecin",
    "Propose un menu de la semaine végétarien et pas cher",
    "Écris une fonction Python qui compte les mots d'un texte"],
  de: ["Erkläre einem Zehnjährigen, warum der Himmel blau ist",
    "Schreib eine höfliche E-Mail, um eine Rechnung zu reklamieren",
    "Plane ein Wochenende in Hamburg mit Kindern",
    "Schreib eine Python-Funktion, die Primzahlen bis 100 ausgibt"],
  es: ["Explica qué es la inflación con un ejemplo sencillo",
    "Escribe un mensaje para felicitar a un compañero por su jubilación",
    "Organiza una rutina de ejercicio de 20 minutos para casa",
    "Escribe una función en Python que invierta una lista"],
  it: ["Spiega come funziona la fotosintesi in poche righe",
    "Scrivi una email gentile per chiedere un giorno di ferie",
    "Suggerisci tre ricette veloci con zucchine",
    "Scrivi una funzione Python che calcoli il fattoriale"],
  pt: ["Explique o que é energia renovável de forma simples",
    "Escreva uma mensagem educada para cancelar uma assinatura",
    "Monte um roteiro de dois dias no Rio de Janeiro",
    "Escreva uma função em Python que some os números de uma lista"],
  nl: ["Leg uit hoe een warmtepomp werkt",
    "Schrijf een vriendelijke e-mail om een vergadering te verzetten",
    "Bedenk een weekmenu voor een gezin met weinig tijd",
    "Schrijf een Python-functie die het grootste getal in een lijst vindt"],
  pl: ["Wyjaśnij prosto, czym jest sztuczna inteligencja",
    "Napisz uprzejmy e-mail z prośbą o przesunięcie terminu",
    "Zaplanuj weekend w Krakowie",
    "Napisz funkcję w Pythonie, która sprawdza, czy liczba jest pierwsza"],
  tr: ["Fotosentezi basitçe açıkla",
    "Ev sahibime kibar bir e-posta yaz: kalorifer çalışmıyor",
    "İstanbul'da üç günlük bir gezi planla",
    "Bir listedeki sayıların ortalamasını bulan bir Python fonksiyonu yaz"],
  ru: ["Объясни простыми словами, как работает интернет",
    "Напиши вежливое письмо с просьбой перенести встречу",
    "Составь план тренировок на неделю для начинающего",
    "Напиши функцию на Python, которая сортирует список слов по длине"],
  uk: ["Поясни простими словами, що таке інфляція",
    "Напиши ввічливий лист із проханням перенести зустріч",
    "Склади меню на тиждень для студента",
    "Напиши функцію на Python, яка рахує голосні в рядку"],
  zh: ["用简单的话解释什么是区块链",
    "帮我写一封请假邮件，语气礼貌",
    "推荐一个三天的成都旅行计划",
    "写一个 Python 函数，判断一个数是不是质数"],
  ja: ["地球温暖化の原因をわかりやすく説明してください",
    "取引先に送るお礼のメールを書いてください",
    "京都で一日過ごすプランを考えてください",
    "リストの重複を取り除く Python の関数を書いてください"],
  ko: ["광합성을 쉽게 설명해 주세요",
    "회의 일정을 바꾸자는 정중한 이메일을 써 주세요",
    "부산 2박 3일 여행 계획을 세워 주세요",
    "문자열을 뒤집는 파이썬 함수를 작성해 주세요"],
  ar: ["اشرح ببساطة كيف تعمل الطاقة الشمسية",
    "اكتب رسالة مهذبة لطلب إجازة من العمل",
    "اقترح خطة لزيارة القاهرة في يومين",
    "اكتب دالة بايثون تحسب مجموع أرقام قائمة"],
  hi: ["सरल शब्दों में समझाइए कि बारिश कैसे होती है",
    "छुट्टी के लिए एक विनम्र ईमेल लिखिए",
    "जयपुर की दो दिन की यात्रा की योजना बनाइए",
    "एक Python फ़ंक्शन लिखिए जो किसी सूची का सबसे बड़ा अंक बताए"],
};

/** Up to four example prompts for the first of ``languages`` that has some. */
export function examplePrompts(languages) {
  for (const tag of languages || []) {
    const base = String(tag || "").toLowerCase().split(/[-_]/)[0];
    if (EXAMPLES[base]) return EXAMPLES[base];
  }
  return EXAMPLES.en;
}

export const EXAMPLE_LANGUAGES = Object.keys(EXAMPLES);
