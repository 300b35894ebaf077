import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CALLBACK_DATA_MAX_BYTES, type CallbackCodec, type KeyCodec } from '../../src/core/keys/codec.ts';
import {
  accessData,
  cardCancelOf,
  continueData,
  jobData,
  reminderData,
  retryData,
  settingsData,
  stopData,
  timeZoneData,
  turnButtonOf,
  undoData,
} from '../../src/core/keys/callback-data.ts';
import {
  accessNoticeKey,
  approvalPromptKey,
  heardKey,
  jobCardKey,
  jobRunKey,
  runMessageKey,
  turnFinalKey,
  updateTurnId,
} from '../../src/core/keys/dedupe-keys.ts';

/** Each codec: values, the exact strings they were before the codec (buttons already in chats keep working), garbage. */
function checkCodec<T>(codec: KeyCodec<T>, cases: [T, string][], garbage: (string | undefined)[]): void {
  for (const [value, wire] of cases) {
    assert.equal(codec.encode(value), wire);
    assert.deepEqual(codec.decode(wire), value);
  }
  for (const g of garbage) assert.equal(codec.decode(g), undefined, `accepted garbage ${JSON.stringify(g)}`);
}

const callbackCodecs: [string, CallbackCodec<never>][] = Object.entries({
  stopData,
  retryData,
  continueData,
  accessData,
  timeZoneData,
  reminderData,
  jobData,
  undoData,
  settingsData,
}) as [string, CallbackCodec<never>][];

describe('callback data codecs', () => {
  it('stop, retry and continue carry an update id', () => {
    checkCodec(
      stopData,
      [[42, 'sys:stop:42']],
      [undefined, '', 'sys:stop:', 'sys:stop:x', 'sys:stop:1:2', 'sys:retry:1'],
    );
    checkCodec(retryData, [[7, 'sys:retry:7']], ['sys:retry:-1', 'sys:retry:1234567890123456']);
    checkCodec(continueData, [[9, 'sys:cont:9']], ['sys:cont:', 'sys:cont:9 ']);
    assert.deepEqual(turnButtonOf('sys:retry:5'), { action: 'retry', updateId: 5 });
    assert.deepEqual(turnButtonOf('sys:cont:6'), { action: 'cont', updateId: 6 });
    assert.equal(turnButtonOf('sys:stop:6'), undefined);
  });

  it('access buttons carry action, user and version', () => {
    checkCodec(
      accessData,
      [[{ action: 'y', userId: 123, version: 4 }, 'sys:acc:y:123:4']],
      ['sys:acc:z:1:1', 'sys:acc:y:1', 'sys:acc:y:a:1', 'sys:acc:y:1:1234567890'],
    );
  });

  it('time zone, reminder, job, undo and settings buttons', () => {
    checkCodec(timeZoneData, [['Europe/Berlin', 'sys:tz:Europe/Berlin']], ['sys:tz:', 'sys:tz:Europe Berlin']);
    checkCodec(
      reminderData,
      [
        [{ action: 'snooze', choice: '1h', id: 'abc', scheduledFor: 1700 }, 'rem:s:1h:abc:1700'],
        [{ action: 'done', id: 'abc', scheduledFor: 1700 }, 'rem:d:abc:1700'],
      ],
      ['rem:s:2h:abc:1700', 'rem:d:abc', 'rem:x:abc:1'],
    );
    checkCodec(
      jobData,
      [
        [{ type: 'job', action: 'p', id: 'J1', inDetails: true }, 'job:p:J1:v'],
        [{ type: 'job', action: 'x', id: 'J1', inDetails: false }, 'job:x:J1'],
        [{ type: 'page', page: 3 }, 'job:l:3'],
      ],
      ['job:z:J1', 'job:l:1000', 'job:p:J1:w', 'job:p:bad id'],
    );
    assert.deepEqual(cardCancelOf('job:x:J1'), { jobId: 'J1', solo: true });
    assert.deepEqual(cardCancelOf('job:c:J1'), { jobId: 'J1', solo: false });
    assert.equal(cardCancelOf('job:p:J1'), undefined);
    checkCodec(undoData, [[{ kind: 'jl', token: 'abcdef12' }, 'u:jl:abcdef12']], ['u:JL:abcdef12', 'u:jl:short']);
    checkCodec(
      settingsData,
      [
        [{ setting: 'help' }, 'sys:help'],
        [{ setting: 'tz' }, 'sys:set:tz'],
        [{ setting: 'transcripts', on: false }, 'sys:set:transcripts:off'],
      ],
      ['sys:set:transcripts:maybe', 'sys:set:other'],
    );
  });

  it('no callback data over 64 bytes is accepted, and none is built', () => {
    for (const [name, codec] of callbackCodecs) {
      assert.equal(codec.decode(`${codec.prefix}${'1'.repeat(CALLBACK_DATA_MAX_BYTES)}`), undefined, name);
    }
    // A 56-character zone is the longest the pattern allows; with the prefix it is still within 64 bytes.
    assert.ok(Buffer.byteLength(timeZoneData.encode('A'.repeat(56))) <= 64);
    assert.throws(() => reminderData.encode({ action: 'done', id: 'x'.repeat(60), scheduledFor: 1 }), /64|encode/);
    assert.throws(() => undoData.encode({ kind: 'jl', token: 'has space' }), /cannot encode/);
  });
});

describe('dedupe keys and turn ids', () => {
  it('round-trip in the formats the outbox has recorded so far', () => {
    checkCodec(turnFinalKey, [[12, 'turn:12:final']], ['turn:x:final', 'turn:12', 'turn:12:final:heard']);
    assert.equal(heardKey(turnFinalKey.encode(12)), 'turn:12:final:heard');
    checkCodec(
      jobRunKey,
      [
        [{ jobId: 'J1', scheduledFor: 1700, variant: 'run' }, 'job:J1:1700'],
        [{ jobId: 'J1', scheduledFor: 1700, variant: 'missed' }, 'job:J1:1700:missed'],
        [{ jobId: 'J1', scheduledFor: 1700, variant: 'paused' }, 'job:J1:1700:paused'],
      ],
      ['job:J1', 'job:J1:1700:other', 'job:J1:x'],
    );
    checkCodec(
      jobCardKey,
      [
        [{ kind: 'card', ids: ['J1'] }, 'jobcard:J1'],
        [{ kind: 'effects', ids: ['J1', 'tok2'] }, 'jobfx:J1,tok2'],
      ],
      ['jobcard:', 'jobfx:a,,b', 'jobx:J1'],
    );
    checkCodec(approvalPromptKey, [['A1', 'approval:A1:prompt']], ['approval:A1', 'approval::prompt']);
    checkCodec(
      runMessageKey,
      [
        [{ runId: 'R1' }, 'run:R1:final'],
        [{ runId: 'R1', round: 2 }, 'run:R1:r2:text'],
      ],
      ['run:R1:r:text', 'run:R1'],
    );
    checkCodec(accessNoticeKey, [[{ userId: 5, updateId: 6 }, 'access:5:6']], ['access:5', 'access:a:6']);
    checkCodec(updateTurnId, [[77, 'update:77']], ['update:', 'update:7a']);
  });

  it('refuses to build a key from an id that would make it ambiguous', () => {
    assert.throws(() => jobRunKey.encode({ jobId: 'a:b', scheduledFor: 1, variant: 'run' }), /cannot encode/);
    assert.throws(() => jobCardKey.encode({ kind: 'effects', ids: [] }), /cannot encode/);
  });
});
