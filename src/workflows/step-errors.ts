/** A step that waits for a person: the run pauses once every other branch has settled. */
export class StepSuspended extends Error {
  constructor(readonly step: string) {
    super(`step ${step} waits for a decision`);
    this.name = 'StepSuspended';
  }
}

/** Why a step failed, as a value the texts turn into words. */
export type StepFailure =
  | { kind: 'denied'; tool: string }
  | { kind: 'refused'; tool: string; reason: string }
  | { kind: 'interrupted'; tool: string }
  | { kind: 'tool_error'; tool: string; message: string }
  | { kind: 'bad_args'; tool: string; message: string }
  | { kind: 'unknown_tool'; tool: string }
  | { kind: 'model_error'; agent: string; message: string }
  | { kind: 'too_many_items'; max: number }
  | { kind: 'post_failed'; message: string };

/** A step that cannot go on; `reason` is what the user is told (plain words). */
export class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly reason: StepFailure,
  ) {
    super(`step ${step} failed: ${reason.kind}`);
    this.name = 'StepFailed';
  }
}
