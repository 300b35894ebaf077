import { z } from 'zod';

/** A secret's name: what `/connect <name>` and `${secret:<name>}` use. Lowercase, so `Todoist` and `todoist` are one. */
export const SECRET_NAME_PATTERN = /^[a-z0-9_-]{1,32}$/;

/** zod schema of a secret name. */
export const secretNameSchema = z.string().regex(SECRET_NAME_PATTERN, 'must be 1-32 characters of a-z, 0-9, _ and -');

/** Whether `name` is a valid secret name. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}
