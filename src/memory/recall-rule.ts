import { isTrivial } from './text.ts';

/**
 * Words that name no topic: acknowledgements, thanks, greetings and fillers (English and Russian). A message made
 * only of these recalls only other such messages (measured: scripts/bench/_recall-rule-probe.ts), never a topic.
 */
const NO_TOPIC = new Set([
  // English
  ...['ok', 'okay', 'k', 'kk', 'thanks', 'thank', 'thx', 'ty', 'tysm', 'you', 'u', 'very', 'much', 'so', 'a', 'lot'],
  ...['lots', 'yes', 'no', 'yep', 'yup', 'nope', 'yeah', 'nah', 'sure', 'nice', 'cool', 'great', 'lol', 'haha'],
  ...['hahaha', 'hmm', 'hm', 'hi', 'hello', 'hey', 'bye', 'good', 'fine', 'done', 'got', 'it', 'perfect', 'awesome'],
  ...['alright', 'all', 'right', 'np', 'problem', 'night', 'morning', 'evening', 'please', 'cheers', 'wow', 'oh'],
  ...['ah', 'well', 'really', 'too', 'and', 'the', 'that', 's', 'sounds', 'understood', 'again', 'for', 'now'],
  // Russian
  ...['ок', 'окей', 'спасибо', 'спс', 'благодарю', 'большое', 'огромное', 'да', 'нет', 'ага', 'угу', 'хорошо'],
  ...['отлично', 'ладно', 'понял', 'поняла', 'понятно', 'ясно', 'привет', 'пока', 'супер', 'класс', 'круто'],
  ...['спокойной', 'ночи', 'доброе', 'утро', 'добрый', 'день', 'вечер', 'и', 'тебе', 'вам', 'очень', 'так', 'ну'],
  ...['а', 'всё', 'все', 'договорились', 'принято', 'хорошего', 'дня'],
]);

/**
 * Whether a turn's text is worth a query embedding and a recall: false for short or listed acknowledgements
 * (`isTrivial`), for text without a letter or digit (emoji, punctuation) and for text made only of words that name
 * no topic ("thank you so much!", "спасибо большое"). Pure; the turn skips the embedding call when false.
 */
export function recallCanHelp(text: string): boolean {
  if (isTrivial(text)) return false;
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.some((w) => !NO_TOPIC.has(w));
}
