/**
 * A user's named secrets (service tokens added with /connect), as other modules see them. Implemented by the secret
 * store (src/secrets/); integrations resolve `${secret:<name>}` references through it at call time, and the secret
 * guard redacts every known value from answers and outbound tool arguments.
 */
export interface UserSecrets {
  /** The decrypted value of `name` for `userId`, or undefined when the user has not connected it. */
  get(userId: number, name: string): Promise<string | undefined>;
  /** Every decrypted value `userId` has stored (for redaction). Empty when none. */
  values(userId: number): Promise<string[]>;
}
