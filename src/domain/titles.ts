import { invalidCommand } from './errors.ts';

const MAX_TITLE = 200;
/** A UTF-16 half without its other half: not text, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Control characters (NUL, BEL, tabs, newlines…): a title is one line of text. */
const CONTROL = /\p{Cc}/u;
/** Something a person can see: not a space, a control or a format character (zero-width ones). */
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}]/u;

/**
 * A room's or a session's title, trimmed: 1 to 200 characters, at least one
 * of them visible, no control characters, no broken Unicode. One rule for
 * every title, so a title made only of NULs or zero-width characters is
 * refused wherever it is given.
 */
export const requireTitle = (what: 'room' | 'session', value: unknown): string => {
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
