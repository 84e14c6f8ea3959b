import { invalidCommand, type DomainError } from './errors.ts';

/** The checks every decider makes of a command's fields, each with the sentence that refuses bad input. */

const ID = /^[A-Za-z0-9_-]{1,100}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Listener seats of a room, at most. */
export const MAX_CAPACITY = 1_000_000;
/** The most listeners one family's waiting room may hold (each costs its owner memory while it waits). */
export const MAX_QUEUE_CAPACITY = 1_000_000;
/** A room's spawn window (see SPAWN_WINDOW_MS): from a second to a day. */
export const MIN_SPAWN_WINDOW_MS = 1000;
export const MAX_SPAWN_WINDOW_MS = 86_400_000;
/** An expected audience, at most. */
export const MAX_AUDIENCE = 100_000_000;
/** Media seats a family may be granted at most (every node's capacity together). */
export const MAX_MEDIA_SEATS = 100_000_000;

const ID_RULE = 'must be 1 to 100 letters, digits, "-" or "_"';
const ROOM_ID = /^[A-Za-z0-9_-]{1,100}(\.overflow-\d{1,9})?$/;
/** A value as a refusal quotes it: a long one cut short (a 5,000-character id need not come back whole). */
const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

/** A JSON object (not null, not an array): what a message from outside must be before its fields are read. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An id made by a person (a room's, a session's): URL- and stream-safe. */
export const requireId = (name: string, value: unknown): string => {
  if (typeof value !== 'string' || !ID.test(value)) throw invalidCommand(`${name} ${ID_RULE}, not ${shown(value)}.`);
  return value;
};

/**
 * The refusal of a roomId no room can have (a main room's id, or one of its
 * overflow rooms' `{id}.overflow-N`), to give before anything is read: such a
 * command could only fail later, in the store, with a sentence about streams.
 */
export const roomIdRefusal = (roomId: unknown): DomainError | undefined =>
  typeof roomId === 'string' && ROOM_ID.test(roomId)
    ? undefined
    : invalidCommand(`roomId ${ID_RULE} (an overflow room's adds ".overflow-N"), not ${shown(roomId)}.`);

export const requireText = (name: string, value: unknown): string => {
  if (typeof value !== 'string' || value.length === 0) throw invalidCommand(`${name} must be a non-empty string.`);
  return value;
};

export const wholeNumber = (name: string, value: unknown, min: number, max: number): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidCommand(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}.`);
  }
  return value;
};

/** A time as canonical UTC ISO 8601, so stored times compare as strings. */
export const isoTime = (name: string, value: unknown): string => {
  if (typeof value !== 'string' || !ISO_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalidCommand(
      `${name} must be an ISO 8601 time such as 2026-11-28T21:00:00Z, not ${JSON.stringify(value)}.`,
    );
  }
  return new Date(Date.parse(value)).toISOString();
};

/** Every command names who issues it. */
export const requireActor = (actor: unknown): string => {
  if (typeof actor !== 'string' || actor.length === 0)
    throw invalidCommand('Every command needs an actor (a user id).');
  return actor;
};

const MAX_TITLE = 200;
/** A UTF-16 half without its other half: not text, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Control characters (NUL, BEL, tabs, newlines…): a title is one line of text. */
const CONTROL = /\p{Cc}/u;
/** Something a person can see: not a space, a control or a format character (zero-width ones). */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}]/u;

/**
 * A room's or a session's title, trimmed: 1 to 200 characters, at least one
 * of them visible, no control characters, no broken Unicode, so a title made
 * only of NULs or zero-width characters is refused wherever it is given.
 */
export const requireTitle = (what: string, value: unknown): string => {
  const title = typeof value === 'string' ? value.trim() : '';
  if (
    title.length === 0 ||
    title.length > MAX_TITLE ||
    LONE_SURROGATE.test(title) ||
    CONTROL.test(title) ||
    !VISIBLE.test(title)
  ) {
    throw invalidCommand(
      `A ${what} needs a title of 1 to ${MAX_TITLE} characters with something visible in it, without control characters or broken Unicode.`,
    );
  }
  return title;
};
