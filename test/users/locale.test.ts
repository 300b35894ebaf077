import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createUsers } from '../../src/users/users.ts';
import { resolveLocale } from '../../src/users/locale-choice.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { tempDbUrl } from '../support/temp-db.ts';

test('resolveLocale: an explicit choice wins, then the Telegram language, then English', () => {
  assert.equal(resolveLocale('en', 'ru-RU'), 'en');
  assert.equal(resolveLocale('ru', 'en'), 'ru');
  assert.equal(resolveLocale(undefined, 'ru-RU'), 'ru');
  assert.equal(resolveLocale(undefined, 'de'), 'en');
  assert.equal(resolveLocale(undefined, null), 'en');
});

test('users keep the Telegram language of the latest update and honour a /language choice', async () => {
  const db = tempDbUrl('users-locale');
  const store = await createStore({ url: db.url, migrations });
  try {
    const clock = createManualClock();
    const users = createUsers({ store, clock, defaultTimezone: 'UTC', allowedUserIds: [1, 2] });
    assert.equal(await users.localeOf(1), 'en', 'an unknown user reads English');

    await users.upsert({ id: 1, first_name: 'Аня', language_code: 'ru' });
    assert.equal((await users.get(1))?.language, 'ru');
    assert.equal(await users.localeOf(1), 'ru');

    // An update without a language_code (Telegram omits it sometimes) keeps the stored one.
    await users.upsert({ id: 1, first_name: 'Аня' });
    assert.equal(await users.localeOf(1), 'ru');

    // The app's language changed: the next update brings it.
    await users.upsert({ id: 1, first_name: 'Аня', language_code: 'en-US' });
    assert.equal((await users.get(1))?.language, 'en-US');
    assert.equal(await users.localeOf(1), 'en');

    // An explicit choice wins over the Telegram language; clearing it (Auto) follows Telegram again.
    await users.upsert({ id: 1, first_name: 'Аня', language_code: 'ru' });
    await users.updateSettings(1, { language: 'en' });
    assert.equal(await users.localeOf(1), 'en');
    await users.updateSettings(1, { showProgress: false });
    assert.equal(await users.localeOf(1), 'en', 'other settings keep the choice');
    await users.updateSettings(1, { language: undefined });
    assert.equal(await users.localeOf(1), 'ru');
    assert.equal((await users.get(1))?.settings.language, undefined);

    // A broken stored choice reads as Auto and keeps the other settings.
    await store.run(`UPDATE users SET settings = '{"language":"xx","showProgress":false}' WHERE id = 1`);
    assert.equal(await users.localeOf(1), 'ru');
    assert.equal((await users.get(1))?.settings.showProgress, false);

    // A turn's one read (profileOf) answers as localeOf and timezoneOf do.
    await users.setTimezone(1, 'Europe/Berlin');
    await users.upsert({ id: 2, first_name: 'Bo' });
    await store.run(`UPDATE users SET timezone = 'Mars/Base' WHERE id = 2`);
    for (const id of [1, 2, 9]) {
      const profile = await users.profileOf(id);
      assert.deepEqual(
        { id: profile.user?.id, timezone: profile.timezone, locale: profile.locale },
        { id: (await users.get(id))?.id, timezone: await users.timezoneOf(id), locale: await users.localeOf(id) },
        `user ${id}`,
      );
    }
    assert.equal((await users.profileOf(1)).timezone, 'Europe/Berlin');
    assert.equal((await users.profileOf(2)).timezone, 'UTC', 'a zone that is no longer valid reads as the default');
    assert.equal((await users.profileOf(9)).timezone, 'UTC', 'an unknown user gets the default zone');

    // Strangers asking for access get their language stored too (their notices can use it).
    const owner = createUsers({ store, clock, defaultTimezone: 'UTC', allowedUserIds: [] });
    await owner.requestAccess({ id: 3, first_name: 'Борис', language_code: 'ru-RU' });
    assert.equal(await owner.localeOf(3), 'ru');
  } finally {
    await store.close();
    await db.cleanup();
  }
});

test('an update from a known user with the same name and language writes nothing; a changed name is stored', async () => {
  const db = tempDbUrl('users-upsert');
  const store = await createStore({ url: db.url, migrations });
  try {
    const clock = createManualClock();
    const users = createUsers({ store, clock, defaultTimezone: 'UTC', allowedUserIds: [1] });
    const first = await users.upsert({ id: 1, first_name: 'Ann', username: 'ann', language_code: 'en' });
    assert.equal(first.access, 'allowed');
    await clock.advance(60_000);
    const again = await users.upsert({ id: 1, first_name: 'Ann', username: 'ann' });
    assert.equal(again.updatedAt, first.updatedAt, 'nothing changed: no write');
    await clock.advance(60_000);
    const renamed = await users.upsert({ id: 1, first_name: 'Anna', username: 'ann', language_code: 'en' });
    assert.equal(renamed.firstName, 'Anna');
    assert.ok(renamed.updatedAt > first.updatedAt, 'a new name is written');
    const lost = await users.upsert({ id: 1, first_name: 'Anna' });
    assert.equal(lost.username, null, 'a username the user removed is removed here too');
  } finally {
    await store.close();
    await db.cleanup();
  }
});
