import { apiError } from './errors.ts';

/** A paged field's page sizes: what `first` defaults to and the most it may be. */
export interface PageLimit {
  readonly default: number;
  readonly max: number;
}

/**
 * Every paged field's limits, stated once: the field refuses a larger
 * `first`, and the cost limit (limits.ts) reads them from the field's
 * `extensions.pageLimit` to price the page. Each largest page, with every
 * field of its items, fits the default cost limit (5,000).
 */
export const PAGES = {
  rooms: { default: 20, max: 100 },
  roomHistory: { default: 20, max: 500 },
  sessions: { default: 100, max: 200 },
} as const satisfies Record<string, PageLimit>;

/** The field options that declare a page: its limits, and the sentence that documents them. */
export const pagedField = (limit: PageLimit) => ({
  extensions: { pageLimit: limit },
  firstDescription: `How many items to return: 1 to ${limit.max}, default ${limit.default}.`,
});

/** `first` checked against the page's limits, or INVALID_INPUT naming it. */
export const pageSize = (first: number | null | undefined, limit: PageLimit): number => {
  const size = first ?? limit.default;
  if (!Number.isInteger(size) || size < 1 || size > limit.max) {
    throw apiError('INVALID_INPUT', `first must be from 1 to ${limit.max}, not ${size}.`, { field: 'first' });
  }
  return size;
};
