import type { RecordedEvent } from '../../projections/index.ts';
import { builder } from '../builder.ts';

export const RecordedEventRef = builder.objectRef<RecordedEvent>('RecordedEvent').implement({
  description: "One event of a room's stream, as recorded.",
  fields: (t) => ({
    position: t.string({ resolve: (e) => String(e.position) }),
    revision: t.string({ resolve: (e) => String(e.revision) }),
    type: t.exposeString('type'),
    recordedAt: t.field({ type: 'DateTime', resolve: (e) => e.recordedAt }),
    actor: t.string({
      nullable: true,
      resolve: (e) => (typeof e.metadata.actor === 'string' ? e.metadata.actor : null),
    }),
    data: t.string({ description: 'The event data, as JSON.', resolve: (e) => JSON.stringify(e.data) }),
  }),
});

export interface Page<T> {
  readonly nodes: readonly T[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

export const PageInfoRef = builder.objectRef<{ endCursor: string | null; hasNextPage: boolean }>('PageInfo').implement({
  fields: (t) => ({
    endCursor: t.exposeString('endCursor', { nullable: true }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});

export const RoomHistoryRef = builder.objectRef<Page<RecordedEvent>>('RoomHistory').implement({
  fields: (t) => ({
    nodes: t.field({ type: [RecordedEventRef], resolve: (p) => p.nodes }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (p) => p }),
  }),
});
