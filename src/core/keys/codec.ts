import { z } from 'zod';

/** Telegram's limit on `callback_data`, in UTF-8 bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

/** A typed key: `encode` builds the string, `decode` validates an untrusted one (undefined when malformed). */
export interface KeyCodec<T> {
  encode(value: T): string;
  decode(data: string | undefined): T | undefined;
}

/** A callback-data codec; `prefix` routes presses (`composer.callbackQuery(codec.route, …)`). */
export interface CallbackCodec<T> extends KeyCodec<T> {
  readonly prefix: string;
  /** Matches any data starting with the prefix (well-formed or not: the handler answers a stale one). */
  readonly route: RegExp;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Builds a key codec from a zod schema over the whole string (`regex` + `transform`, so decode is validated) and its
 * inverse `format`. `encode` throws when the result would not decode (a bug at the call site, never user input) or
 * is longer than `maxBytes`.
 */
export function keyCodec<T>(o: {
  name: string;
  schema: z.ZodType<T, string>;
  format: (value: T) => string;
  maxBytes?: number;
}): KeyCodec<T> {
  const maxBytes = o.maxBytes ?? 512;
  const input = z
    .string()
    .refine((s) => Buffer.byteLength(s, 'utf8') <= maxBytes, `longer than ${maxBytes} bytes`)
    .pipe(o.schema);
  return {
    encode(value) {
      const data = o.format(value);
      if (Buffer.byteLength(data, 'utf8') > maxBytes)
        throw new Error(`${o.name}: key too long (${Buffer.byteLength(data, 'utf8')} bytes > ${maxBytes})`);
      if (!input.safeParse(data).success) throw new Error(`${o.name}: cannot encode ${JSON.stringify(data)}`);
      return data;
    },
    decode(data) {
      if (typeof data !== 'string') return undefined;
      const parsed = input.safeParse(data);
      return parsed.success ? parsed.data : undefined;
    },
  };
}

/** A callback-data codec: a key codec under `prefix`, limited to Telegram's 64 bytes. */
export function callbackCodec<T>(o: {
  name: string;
  prefix: string;
  schema: z.ZodType<T, string>;
  format: (value: T) => string;
}): CallbackCodec<T> {
  const codec = keyCodec({ ...o, maxBytes: CALLBACK_DATA_MAX_BYTES });
  return { ...codec, prefix: o.prefix, route: new RegExp(`^${escapeRegExp(o.prefix)}`) };
}

/** `regex` then split on ':' — the shape every key here has. */
export function colonSchema<T>(pattern: RegExp, build: (parts: string[]) => T): z.ZodType<T, string> {
  return z
    .string()
    .regex(pattern)
    .transform((s) => build(s.split(':')));
}
