import type { RoomDetail } from '../../projections/index.ts';
import { builder } from '../builder.ts';

export const RoomStateEnum = builder.enumType('RoomState', { values: ['live', 'ended'] as const });

export const HeadlinerRef = builder.objectRef<NonNullable<RoomDetail['headliner']>>('Headliner').implement({
  fields: (t) => ({
    userId: t.exposeID('userId'),
    expectedAudience: t.exposeInt('expectedAudience'),
    arrived: t.exposeBoolean('arrived'),
  }),
});

export const OverflowRoomRef = builder.objectRef<RoomDetail['overflow'][number]>('OverflowRoom').implement({
  description: 'A listen-only room that carries its main room live.',
  fields: (t) => ({
    id: t.exposeID('roomId'),
    listenerCount: t.exposeInt('listeners'),
    capacity: t.exposeInt('capacity'),
    open: t.exposeBoolean('open'),
  }),
});

/** A room as the room-detail read model holds it. */
export const RoomRef = builder.objectRef<RoomDetail>('Room').implement({
  fields: (t) => ({
    id: t.exposeID('roomId'),
    parentId: t.exposeID('parentRoomId', { nullable: true }),
    title: t.exposeString('title'),
    state: t.field({ type: RoomStateEnum, resolve: (room) => room.state }),
    capacity: t.exposeInt('capacity'),
    listenerCount: t.exposeInt('listenerCount'),
    familyListenerCount: t.exposeInt('familyListenerCount', {
      description: 'Listeners in this room and all its overflow rooms.',
    }),
    full: t.exposeBoolean('full'),
    speakers: t.exposeIDList('speakers'),
    moderators: t.exposeIDList('moderators'),
    raisedHands: t.exposeIDList('hands', { description: 'In the order they went up.' }),
    headliner: t.field({ type: HeadlinerRef, nullable: true, resolve: (room) => room.headliner }),
    overflowRooms: t.field({ type: [OverflowRoomRef], resolve: (room) => room.overflow }),
    openedAt: t.field({ type: 'DateTime', nullable: true, resolve: (room) => room.openedAt }),
    endedAt: t.field({ type: 'DateTime', nullable: true, resolve: (room) => room.endedAt }),
    position: t.string({ description: 'Log position this view reflects.', resolve: (room) => room.position }),
  }),
});

export const PlacementRoleEnum = builder.enumType('PlacementRole', { values: ['listener'] as const });

export interface PlacementShape {
  readonly room: RoomDetail;
  readonly role: 'listener';
}

export const PlacementRef = builder.objectRef<PlacementShape>('Placement').implement({
  description: 'Where a join placed the listener: the main room, or one of its overflow rooms.',
  fields: (t) => ({
    room: t.field({ type: RoomRef, resolve: (p) => p.room }),
    role: t.field({ type: PlacementRoleEnum, resolve: (p) => p.role }),
  }),
});
