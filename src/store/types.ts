import type { StatementCacheStats } from './statement-cache.ts';

/** A value bound to a statement parameter. */
export type SqlValue = null | string | number | bigint | Uint8Array | boolean;
export type SqlArgs = SqlValue[] | Record<string, SqlValue>;
/** A result row; columns by name. Integers arrive as numbers, BLOBs as ArrayBuffer. */
export type Row = Record<string, unknown>;
export interface Statement {
  sql: string;
  args?: SqlArgs;
}
export interface RunResult {
  changes: number;
  lastInsertRowid: bigint | undefined;
}

/** Statements inside one write transaction. */
export interface WriteTx {
  query(sql: string, args?: SqlArgs): Promise<Row[]>;
  run(sql: string, args?: SqlArgs): Promise<RunResult>;
}

/** What the store holds in process; for a remote database there is nothing to count. */
export interface StoreStats {
  /** Prepared statements cached by SQL text, summed over the local connections. */
  statements: StatementCacheStats;
  /** WAL checkpoints run while the writer rested (local files opened with a clock; see idle-checkpoint.ts). */
  idleCheckpoints: number;
}

/** An open write transaction as an engine hands it out. */
export interface EngineTx extends WriteTx {
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Rolls back if still open; safe after commit or rollback. */
  close(): void;
}

/**
 * One way of talking to the database (local file or remote server). The store wraps it with the write lock and
 * error messages; an engine only executes. Writes arrive one at a time.
 */
export interface Engine {
  /** Pragmas and a first statement: throws when the database cannot be used. */
  init(): Promise<void>;
  query(sql: string, args: SqlArgs | undefined): Promise<Row[]>;
  run(sql: string, args: SqlArgs | undefined): Promise<RunResult>;
  /** Atomic: all statements or none (BEGIN IMMEDIATE … COMMIT). */
  batch(statements: Statement[]): Promise<RunResult[]>;
  /** BEGIN IMMEDIATE. */
  begin(): Promise<EngineTx>;
  /** `truncate` (default) empties the WAL file; `passive` copies what it can without waiting for anyone. */
  checkpoint(mode?: 'passive' | 'truncate'): Promise<void>;
  /** Whether an error came from the database (as opposed to the caller's own code in a transaction). */
  isDatabaseError(err: unknown): boolean;
  stats(): Pick<StoreStats, 'statements'>;
  close(): void;
}
