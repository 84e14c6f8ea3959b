import SchemaBuilder from '@pothos/core';
import type { ApiContext } from './context.ts';

/** One builder for the whole schema: the Context and the Scalars live here. */
export const builder = new SchemaBuilder<{
  Context: ApiContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    ID: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({ defaultFieldNullability: false });

builder.scalarType('DateTime', {
  description: 'An ISO 8601 date-time, e.g. 2026-11-28T21:04:17.000Z.',
  serialize: (value) => (typeof value === 'string' ? value : value.toISOString()),
  parseValue: (value) => {
    const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime()))
      throw new TypeError(`DateTime must be an ISO 8601 string, not ${JSON.stringify(value)}.`);
    return date;
  },
});

builder.queryType({ description: 'What can be read: rooms, their history and analytics, sessions, the viewer.' });
builder.mutationType({
  description:
    'What can be changed. Each field answers for itself: a refused one is null with its own error, beside what the others wrote.',
});
builder.subscriptionType({ description: 'Live feeds, over SSE or graphql-ws.' });
