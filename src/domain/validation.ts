import { invalidCommand } from './errors.ts';

/** The checks every decider makes of a command's fields, each with the sentence that refuses bad input. */

const ID = /^[A-Za-z0-9_-]{1,100}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Listener seats of a room, at most. */
export const MAX_CAPACITY = 1_000_000;
/** An expected audience, at most. */
export const MAX_AUDIENCE = 100_000_000;

/** An id made by a person (a room's, a session's): URL- and stream-safe. */
export const requireId = (name: string, value: unknown): string => {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw invalidCommand(`${name} must be 1 to 100 letters, digits, "-" or "_", not ${JSON.stringify(value)}.`);
  }
  return value;
};

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

/** A title of 1 to 200 characters, trimmed. */
export const requireTitle = (what: string, value: unknown): string => {
  const title = typeof value === 'string' ? value.trim() : '';
  if (title.length === 0 || title.length > 200) throw invalidCommand(`A ${what} needs a title of 1 to 200 characters.`);
  return title;
};
