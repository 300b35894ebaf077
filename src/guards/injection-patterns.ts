/**
 * Phrases typical of prompt injection, by language, matched against the normal forms (normalize.ts): lowercase,
 * separators as single spaces, look-alikes mapped. Each has a name for the log (never the matched text). Kept
 * specific enough that ordinary pages rarely match: an imperative aimed at the model plus what it targets.
 */
export interface InjectionPattern {
  name: string;
  form: 'latin' | 'cyrillic' | 'plain';
  re: RegExp;
}

const EN_PRIOR =
  '(?:all |any |the |your |my |these |those |every )*(?:previous|prior|above|earlier|preceding|foregoing|former|original|initial|system|old|existing)';
const EN_RULES =
  '(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|context|messages|orders|constraints)';

/** Spaces in a phrase may be missing in the text (a zero-width character between words is dropped, not spaced). */
function loose(p: InjectionPattern): InjectionPattern {
  return p.form === 'plain' ? p : { ...p, re: new RegExp(p.re.source.replaceAll(' ', ' ?'), p.re.flags) };
}

const PHRASES: readonly InjectionPattern[] = [
  // English
  {
    name: 'en-ignore-previous',
    form: 'latin',
    re: new RegExp(
      `\\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|neglect) ${EN_PRIOR} ${EN_RULES}\\b`,
    ),
  },
  {
    name: 'en-ignore-all',
    form: 'latin',
    re: new RegExp(`\\b(?:ignore|disregard|forget) (?:all|everything) (?:of )?(?:the |your )?${EN_RULES}?\\b`),
  },
  {
    name: 'en-disregard-above',
    form: 'latin',
    re: /\b(?:ignore|disregard|forget) (?:everything |all )?(?:the |what is |what s )?(?:above|before this|said before|you were told)\b/,
  },
  {
    name: 'en-you-are-now',
    form: 'latin',
    re: /\byou are (?:now|no longer) (?:a |an |the |in |my |free|unrestricted|jailbroken|dan\b|developer|evil|not bound)/,
  },
  {
    name: 'en-new-instructions',
    form: 'latin',
    re: /\b(?:new|updated|real|actual|important|urgent|additional) (?:system )?instructions?\b(?: for (?:you|the (?:ai|assistant|model|agent)))?(?: follow| are| is)?/,
  },
  {
    name: 'en-system-prompt',
    form: 'latin',
    re: /\b(?:system prompt|system override|admin override|developer message)\b/,
  },
  {
    name: 'en-reveal-prompt',
    form: 'latin',
    re: /\b(?:reveal|print|show|repeat|output|leak|tell me) (?:me )?(?:your|the) (?:system |hidden |initial |original )?(?:prompt|instructions)\b/,
  },
  {
    name: 'en-role-markers',
    form: 'plain',
    re: /<\|?(?:im_start|im_end|system|endoftext)\|?>|\[\/?(?:inst|system)\]|###(?:instruction|system)|<\/?(?:system|tool_call|function_call)>/,
  },
  {
    name: 'en-act-as',
    form: 'latin',
    re: /\b(?:pretend (?:to be|you are)|act as (?:an? )?(?:unrestricted|jailbroken|evil|different)|jailbreak|dan mode|developer mode enabled)\b/,
  },
  {
    name: 'en-hide-from-user',
    form: 'latin',
    re: /\b(?:do not|don t|dont|never|without) (?:tell|telling|inform|informing|notify|notifying|mention|mentioning|asking|ask) (?:the |your )?(?:user|human|owner)\b/,
  },
  {
    name: 'en-assistant-must',
    form: 'latin',
    re: /\b(?:ai|assistant|language model|llm|chatbot|agent)s? (?:reading this )?(?:must|should|needs to|has to|is instructed to) (?:now |immediately )?(?:ignore|call|use|run|execute|send|delete|forget|visit|fetch|forward|email|transfer)\b/,
  },
  {
    name: 'en-tool-bait',
    form: 'latin',
    re: /\b(?:call|invoke|use|run|execute|trigger) (?:the |your |this )?(?:\w+ )?(?:tool|function) (?:now|immediately|right away|without (?:asking|confirmation|approval))\b|\bwithout (?:asking|waiting) for (?:approval|confirmation|permission)\b|\btool_code\b/,
  },
  {
    name: 'en-tool-names',
    form: 'latin',
    re: /\b(?:schedule delete|schedule update|schedule create|memory wipe|http fetch|ask user)\b/,
  },
  {
    name: 'en-instead',
    form: 'latin',
    re: /\binstead(?: of (?:that|answering|summari[sz]ing))?,? (?:you (?:must|should|will) )?(?:delete|forward|send|email|transfer|call|run|execute)\b/,
  },
  // Russian and Ukrainian
  {
    name: 'ru-ignore-previous',
    form: 'cyrillic',
    re: /(?:игнорир\S*|проигнорир\S*|забудь\S*|не обращай\S* внимания на|отмени\S*|пренебреги\S*|не следуй\S*) (?:все |всё |эти |мои |твои |ваши |любые )*(?:предыдущ\S*|прошл\S*|прежн\S*|выше\S*|вышеуказанн\S*|ранее данн\S*|ранн\S*|систем\S*|исходн\S*|старые|указанн\S*)? ?(?:инструкц\S*|указани\S*|правил\S*|команд\S*|сообщени\S*|промпт\S*|настро\S*|ограничени\S*)/,
  },
  {
    name: 'ru-forget-all',
    form: 'cyrillic',
    re: /(?:забудь\S*|игнорир\S*) (?:всё|все) (?:что|выше|сказанное|до этого)/,
  },
  {
    name: 'ru-you-are-now',
    form: 'cyrillic',
    re: /(?:теперь ты|ты теперь|отныне ты|теперь вы|вы теперь) (?:\S+ )?(?:бот|ассистент|помощник|модель|ии|dan|свободн\S*|без ограничений|не связан\S*|другой|злой)/,
  },
  {
    name: 'ru-system-prompt',
    form: 'cyrillic',
    re: /системн\S* (?:промпт\S*|подсказк\S*|инструкци\S*|сообщени\S*)|новые инструкци\S*|новая инструкци\S*/,
  },
  {
    name: 'ru-hide-from-user',
    form: 'cyrillic',
    re: /(?:не говори|не сообщай|не рассказывай|не показывай|не уведомляй|не спрашивай|без ведома) \S* ?(?:пользовател\S*|владельц\S*|хозяин\S*)/,
  },
  {
    name: 'ru-tool-bait',
    form: 'cyrillic',
    re: /(?:вызови|используй|запусти|выполни) (?:\S+ )?(?:инструмент\S*|функци\S*|команд\S*)/,
  },
  {
    name: 'ru-delete-all',
    form: 'cyrillic',
    re: /(?:удали|сотри|очисти) (?:все|всё) (?:мои |его |её |их |ваши |твои )?(?:напоминани\S*|заметк\S*|данн\S*|файл\S*|сообщени\S*|задач\S*|воспоминани\S*|памят\S*)/,
  },
  {
    name: 'uk-ignore-previous',
    form: 'cyrillic',
    re: /(?:ігноруй\S*|проігноруй\S*|забудь\S*) (?:всі |усі )?(?:попередн\S*|минул\S*) ?(?:інструкц\S*|вказівк\S*|правил\S*)/,
  },
  // German, French, Spanish, Italian, Portuguese
  {
    name: 'de-ignore-previous',
    form: 'latin',
    re: /\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte) (?:alle |die |deine |ihre )*(?:vorherigen|bisherigen|obigen|vorigen|fruheren|vorangegangenen)? ?(?:anweisungen|instruktionen|befehle|regeln|vorgaben)\b/,
  },
  {
    name: 'fr-ignore-previous',
    form: 'latin',
    re: /\b(?:ignore[rz]?|oublie[rz]?|ne tiens pas compte des) (?:toutes |tous )?(?:les |tes |vos )?(?:instructions|consignes|regles|directives|ordres)(?: precedentes| anterieures| ci dessus)?\b/,
  },
  {
    name: 'es-ignore-previous',
    form: 'latin',
    re: /\b(?:ignora|ignore|olvida|olvide|olvidate de|haz caso omiso de) (?:todas |todos )?(?:las |los |tus |sus )?(?:instrucciones|indicaciones|reglas|ordenes|directrices)(?: anteriores| previas)?\b/,
  },
  {
    name: 'it-ignore-previous',
    form: 'latin',
    re: /\b(?:ignora|ignorate|dimentica|dimenticate) (?:tutte |tutti )?(?:le |i |tue )?(?:istruzioni|indicazioni|regole|direttive)(?: precedenti)?\b/,
  },
  {
    name: 'pt-ignore-previous',
    form: 'latin',
    re: /\b(?:ignore|ignora|esqueca|esquece) (?:todas |todos )?(?:as |os |suas )?(?:instrucoes|regras|orientacoes|diretrizes)(?: anteriores)?\b/,
  },
  // Chinese and Japanese (no spaces: matched on the plain form)
  {
    name: 'zh-ignore-previous',
    form: 'plain',
    re: /(?:忽略|无视|忽视|忘记|忘掉)(?:之前|以上|先前|上面|前面|所有|全部|你的)*的?(?:所有|全部)?(?:指令|指示|说明|规则|提示)/,
  },
  {
    name: 'ja-ignore-previous',
    form: 'plain',
    re: /(?:以前|これまで|上記|前)の(?:すべての)?(?:指示|命令|ルール)を(?:すべて)?(?:無視|忘れ)/,
  },
];

/** Every phrase, with optional spaces between its words. */
export const INJECTION_PATTERNS: readonly InjectionPattern[] = PHRASES.map(loose);
