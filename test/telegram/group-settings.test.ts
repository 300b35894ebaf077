/**
 * /settings in a group (real grammY against the fake Bot API): members see the group's time zone, only admins
 * (getChatMember) change it, by button or by replying with a city; a bad name gets a clear answer and the buttons.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Composer } from 'grammy';
import type { BotContext } from '../../src/telegram/context.ts';
import { createGroupSettingsFeature } from '../../src/telegram/features/group-settings.ts';
import { type ChatSettingsStore, createChatSettings } from '../../src/users/chat-settings.ts';
import { systemClock } from '../../src/core/clock.ts';
import { type Inbound, startInbound } from './inbound-harness.ts';

const ADMIN = 9101;
const MEMBER = 9102;
const GROUP = -100_9100;

describe('group settings', () => {
  let inbound: Inbound;
  let settings: ChatSettingsStore;

  before(async () => {
    let inner: Composer<BotContext> | undefined;
    const lazy = new Composer<BotContext>();
    lazy.use((ctx, next) => (inner ? inner.middleware()(ctx, next) : next()));
    inbound = await startInbound({ allowedUserIds: [ADMIN, MEMBER], features: [{ composer: lazy }] });
    settings = createChatSettings({ store: inbound.store, clock: systemClock });
    inner = createGroupSettingsFeature({ settings, outbox: inbound.outbox });
    inbound.tg.setChatMember(GROUP, ADMIN, 'creator');
  });
  after(async () => {
    await inbound.close();
  });

  const send = (userId: number, text: string, replyToMessageId?: number) =>
    inbound.tg.sendUserMessage({
      chatId: GROUP,
      userId,
      text,
      chatType: 'supergroup',
      ...(replyToMessageId ? { replyToMessageId } : {}),
    });

  it('an admin replies with a city; a name that is no zone gets a clear answer; a member cannot change it', async () => {
    send(MEMBER, '/settings');
    const shown = await inbound.tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('⚙️ Group settings'));
    assert.match(shown.text, /Time zone: not set/);

    send(ADMIN, '/settings');
    const mine = await inbound.tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('⚙️ Group settings'));
    inbound.tg.pressButton({ chatId: GROUP, messageId: mine.messageId, data: 'gs:tz', userId: ADMIN });
    const picker = await inbound.tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('🌍 Pick'), { since: 'any' });

    send(ADMIN, 'Atlantis', picker.messageId);
    const bad = await inbound.tg.waitForBotMessage(GROUP, (m) => m.text.startsWith("I couldn't find a time zone"));
    assert.equal(
      bad.text,
      'I couldn\'t find a time zone for "Atlantis". Try a bigger city nearby or a zone name like Europe/Paris, or tap a button.',
    );
    assert.ok(
      (bad.replyMarkup as { inline_keyboard: unknown[][] }).inline_keyboard.length > 0,
      'with the zone buttons',
    );

    send(ADMIN, 'Lisbon', picker.messageId);
    const ok = await inbound.tg.waitForBotMessage(GROUP, (m) => m.text.startsWith('✅'));
    assert.match(
      ok.text,
      /^✅ This group's time zone is now Europe\/Lisbon \(it's \d\d:\d\d there\)\. Reminders set here use it\.$/,
    );
    assert.equal(await settings.timezoneOf(GROUP), 'Europe/Lisbon');

    // A member's reply to the old question changes nothing (they were never asked).
    send(MEMBER, 'Tokyo', picker.messageId);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await settings.timezoneOf(GROUP), 'Europe/Lisbon');
    const tokyo = inbound.tg.transcript(GROUP).find((m) => m.messageId === picker.messageId)!;
    const before = inbound.tg.callbackAnswers().length;
    inbound.tg.pressButton({ chatId: GROUP, messageId: tokyo.messageId, data: 'gs:z:Asia/Tokyo', userId: MEMBER });
    const answer = await inbound.tg.waitFor(() => inbound.tg.callbackAnswers()[before]);
    assert.equal(answer.text, "Only the group's admins can change its settings.");
    assert.equal(await settings.timezoneOf(GROUP), 'Europe/Lisbon');
  });
});
