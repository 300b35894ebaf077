import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSettings, toRecord } from '../../src/users/user-record.ts';

const row = (over: Record<string, unknown> = {}) => ({
  id: 5,
  first_name: 'Ann',
  username: null,
  timezone: null,
  language: 'ru',
  access: 'allowed',
  access_version: 3,
  access_changed_at: 10,
  settings: '{"showProgress":false,"language":"en"}',
  created_at: 1,
  updated_at: 2,
  ...over,
});

test('a users row maps to its record; unknown access and unreadable settings read as the defaults', () => {
  const rec = toRecord(row());
  assert.equal(rec.access, 'allowed');
  assert.equal(rec.accessVersion, 3);
  assert.deepEqual(rec.settings, {
    showProgress: false,
    showTranscripts: true,
    onboarded: false,
    awaitingTimezone: false,
    language: 'en',
  });
  assert.equal(toRecord(row({ access: 'superuser' })).access, 'unknown');
  assert.equal(toRecord(row({ access: null })).access, 'unknown');
  const defaults = { showProgress: true, showTranscripts: true, onboarded: false, awaitingTimezone: false };
  assert.deepEqual(toRecord(row({ settings: '{not json' })).settings, defaults);
  assert.deepEqual(toRecord(row({ settings: '{"showProgress":"yes"}' })).settings, defaults);
  assert.deepEqual(toRecord(row({ settings: null })).settings, defaults);
});

test('settings parsed from the same text are equal but never shared between records', () => {
  const text = '{"onboarded":true}';
  const a = parseSettings(text);
  const b = parseSettings(text);
  assert.deepEqual(a, b);
  assert.notEqual(a, b, 'each call returns its own object');
  a.onboarded = false;
  assert.equal(parseSettings(text).onboarded, true, 'changing one record does not change the next read');
  assert.equal(parseSettings('{"onboarded":false}').onboarded, false, 'another text parses on its own');
});

test('the parsed-settings memo stays bounded and still parses every distinct text right', () => {
  for (let i = 0; i < 600; i++) {
    const s = parseSettings(JSON.stringify({ onboarded: i % 2 === 0, language: 'ru', n: i }));
    assert.equal(s.onboarded, i % 2 === 0);
    assert.equal(s.language, 'ru');
  }
});
