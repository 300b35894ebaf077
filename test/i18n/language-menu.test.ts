import assert from 'node:assert/strict';
import { test } from 'node:test';
import { languageData, languageMenu } from '../../src/telegram/features/language.ts';

test('/language buttons carry only the choice, validated; a forged one decodes to nothing', () => {
  for (const choice of ['auto', 'en', 'ru'] as const)
    assert.equal(languageData.decode(languageData.encode(choice)), choice);
  assert.equal(languageData.decode('sys:lang:de'), undefined);
  assert.equal(languageData.decode('sys:lang:English'), undefined);
  assert.equal(languageData.decode(undefined), undefined);
});

test('the /language menu marks the current choice and shows what Auto means, in the chosen language', () => {
  const auto = languageMenu(undefined, 'ru-RU');
  assert.match(auto.text, /Я пишу вам на языке: <b>Русский<\/b>/);
  assert.deepEqual(
    auto.keyboard?.flat().map((b) => b.text),
    ['✓ Авто (Русский)', 'English', 'Русский'],
  );
  const english = languageMenu('en', 'ru');
  assert.match(english.text, /I write to you in <b>English<\/b>/);
  assert.deepEqual(
    english.keyboard?.flat().map((b) => b.text),
    ['Auto (Русский)', '✓ English', 'Русский'],
  );
  assert.deepEqual(
    languageMenu('ru', 'en')
      .keyboard?.flat()
      .map((b) => ('data' in b ? b.data : '')),
    ['sys:lang:auto', 'sys:lang:en', 'sys:lang:ru'],
  );
});
