import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../src/scheduler/job.ts';
import { PAUSE_REASONS, createdSummary, settledCardText } from '../../src/scheduler/messages.ts';
import { renderJobDetails, renderJobList } from '../../src/telegram/features/jobs-view.ts';

const NOW = Date.UTC(2026, 9, 12, 10, 0); // Mon 12 Oct 2026, 10:00 UTC
const weekly: Job = {
  id: 'j1',
  ownerUserId: 1,
  chatId: 1,
  chatType: 'private',
  kind: 'reminder',
  text: 'weekly review',
  schedule: { type: 'cron', expression: '0 8 * * 1', timezone: 'UTC', description: 'every Monday at 08:00' },
  timezone: 'UTC',
  enabled: false,
  nextRunAt: null,
  lastRunAt: null,
  lastStatus: null,
  lastError: null,
  consecutiveFailures: 0,
  missedPolicy: 'run_once_within_grace',
  graceMs: 3_600_000,
  pausedReason: PAUSE_REASONS.byUser,
  completedAt: null,
  deletedAt: null,
  undoToken: null,
  cardMessageId: null,
  cardSolo: false,
  createdAt: NOW,
  updatedAt: NOW,
};
const viewer = { group: false, zone: 'UTC', names: new Map<number, string>() };

describe('scheduler and /jobs texts by language (pure renderers)', () => {
  it('Russian: the list, details with a translated pause reason, the card and a settled card', () => {
    const list = renderJobList([weekly], 0, 5, NOW, { ...viewer, locale: 'ru' });
    assert.equal(
      list.text,
      'Ваши напоминания и задачи здесь (1):\n\n🔁 Weekly review — По понедельникам 08:00 · на паузе',
    );
    const details = renderJobDetails(weekly, NOW, { ...viewer, locale: 'ru' });
    assert.equal(details.text, '🔁 Weekly review\nКогда: По понедельникам 08:00 (UTC)\n⏸ На паузе: поставлено вами');
    const active = { ...weekly, enabled: true, pausedReason: null };
    const card = createdSummary(active, [Date.UTC(2026, 9, 19, 8, 0)], [], NOW, 'ru');
    assert.equal(card, '🔁 Напоминание: По понедельникам 08:00 (UTC): “weekly review”\nДалее: пн 19 окт., 08:00');
    const sent = { ...weekly, completedAt: NOW, lastRunAt: NOW - 3_600_000, lastStatus: 'delivered' };
    assert.equal(settledCardText(sent, NOW, 'ru'), '🔁 Weekly review\n✅ Отправлено в 09:00');
  });

  it('English stays as it was', () => {
    const details = renderJobDetails(weekly, NOW, viewer);
    assert.equal(details.text, '🔁 Weekly review\nWhen: every Monday at 08:00 (UTC)\n⏸ Paused: paused by you');
    const list = renderJobList([weekly], 0, 5, NOW, viewer);
    assert.equal(list.text, 'Your reminders and tasks here (1):\n\n🔁 Weekly review — Mondays 08:00 · paused');
  });
});
