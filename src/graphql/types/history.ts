import type { RecordedEvent } from '../../projections/index.ts';
import { builder } from '../builder.ts';

export const RecordedEventRef = builder.objectRef<RecordedEvent>('RecordedEvent').implement({
  description: "One event of a room's stream, as recorded.",
  fields: (t) => ({
    position: t.string({ description: 'Its position in the whole log.', resolve: (e) => String(e.position) }),
    revision: t.string({ description: "Its revision in the room's stream.", resolve: (e) => String(e.revision) }),
    type: t.exposeString('type', { description: 'What happened, past tense (ListenerAdmitted).' }),
    recordedAt: t.field({ type: 'DateTime', description: 'When it was written.', resolve: (e) => e.recordedAt }),
    actor: t.string({
      nullable: true,
      description: 'Who caused it, when a user did.',
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
  description: 'Where a page ended, and whether another follows: pass endCursor as `after` for the next.',
  fields: (t) => ({
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: "The page's last item's cursor; null for an empty page.",
    }),
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'Whether there are items after this page.' }),
  }),
});

export const RoomHistoryRef = builder.objectRef<Page<RecordedEvent>>('RoomHistory').implement({
  description: "A page of a room's events, and where the next page starts.",
  fields: (t) => ({
    nodes: t.field({ type: [RecordedEventRef], description: 'The events of this page.', resolve: (p) => p.nodes }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Whether there is a next page.', resolve: (p) => p }),
  }),
});
