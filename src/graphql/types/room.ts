import type { RoomDetail } from '../../projections/index.ts';
import { builder } from '../builder.ts';

/** The feed's rule for hands (`asSeenBy`), for a read: moderators see all, a hand's owner their own. */
const handsSeenBy = (room: RoomDetail, userId: string | undefined): readonly string[] => {
  if (userId === undefined) return [];
  if (room.moderators.includes(userId)) return room.hands;
  return room.hands.includes(userId) ? [userId] : [];
};

export const RoomStateEnum = builder.enumType('RoomState', {
  description: 'Where a room is in its life.',
  values: {
    live: { description: 'Open: listeners may join.' },
    ended: { description: 'Over; nothing more happens in it.' },
  } as const,
});

export const HeadlinerRef = builder.objectRef<NonNullable<RoomDetail['headliner']>>('Headliner').implement({
  description: 'The big name a room was provisioned for.',
  fields: (t) => ({
    userId: t.exposeID('userId', { description: 'The headliner.' }),
    expectedAudience: t.exposeInt('expectedAudience', { description: 'Listeners the room was warmed for.' }),
    arrived: t.exposeBoolean('arrived', { description: 'Whether the headliner has arrived.' }),
  }),
});

export const OverflowRoomRef = builder.objectRef<RoomDetail['overflow'][number]>('OverflowRoom').implement({
  description: 'A listen-only room that carries its main room live.',
  fields: (t) => ({
    id: t.exposeID('roomId', { description: 'The overflow room.' }),
    listenerCount: t.exposeInt('listeners', { description: 'Listeners in it.' }),
    capacity: t.exposeInt('capacity', { description: 'Its listener seats.' }),
    open: t.exposeBoolean('open', { description: 'Whether it still takes listeners (false once drained).' }),
    warm: t.exposeBoolean('warm', {
      description: "Spawned at its session's prewarm, ahead of its listeners, and its family's warm-up has not ended.",
    }),
  }),
});

/** A room as the room-detail read model holds it. */
export const RoomRef = builder.objectRef<RoomDetail>('Room').implement({
  description: 'A live audio room: a main room, or one of its listen-only overflow rooms.',
  fields: (t) => ({
    id: t.exposeID('roomId', { description: 'The room.' }),
    parentId: t.exposeID('parentRoomId', {
      nullable: true,
      description: "An overflow room's main room; null for a main room.",
    }),
    title: t.exposeString('title', { description: 'What the room is called.' }),
    state: t.field({ type: RoomStateEnum, description: 'Where it is in its life.', resolve: (room) => room.state }),
    capacity: t.exposeInt('capacity', { description: 'Listener seats.' }),
    listenerCount: t.exposeInt('listenerCount', { description: 'Listeners in this room.' }),
    familyListenerCount: t.exposeInt('familyListenerCount', {
      description: 'Listeners in this room and all its overflow rooms.',
    }),
    full: t.exposeBoolean('full', { description: 'Whether every seat is taken.' }),
    queued: t.exposeInt('queued', {
      description: "Listeners waiting for a seat in the family's waiting room (a main room's; 0 for an overflow room).",
    }),
    warm: t.exposeBoolean('warm', {
      description:
        "Opened at its session's prewarm for an expected audience, with routers for it, until the family's warm-up ends.",
    }),
    doorsOpen: t.exposeBoolean('doorsOpen', {
      description:
        "Whether listeners may join: a room opened at prewarm keeps its doors closed until its session's start.",
    }),
    speakers: t.exposeIDList('speakers', { description: 'Users on stage.' }),
    moderators: t.exposeIDList('moderators', { description: 'Users who moderate the room.' }),
    raisedHands: t.idList({
      description:
        "Raised hands, in the order they went up. A room's moderators see every hand; anyone else sees only their own (or an empty list), as in the room feed.",
      resolve: (room, _args, context) => handsSeenBy(room, context.viewer?.userId),
    }),
    headliner: t.field({
      type: HeadlinerRef,
      nullable: true,
      description: 'The announced headliner, if any.',
      resolve: (room) => room.headliner,
    }),
    overflowRooms: t.field({
      type: [OverflowRoomRef],
      description:
        "A main room's open overflow rooms, in the order they were spawned; a drained one leaves the list (its history is in the log).",
      resolve: (room) => room.overflow,
    }),
    openedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it opened.',
      resolve: (room) => room.openedAt,
    }),
    endedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it ended.',
      resolve: (room) => room.endedAt,
    }),
    position: t.string({ description: 'Log position this view reflects.', resolve: (room) => room.position }),
  }),
});

export const PlacementRoleEnum = builder.enumType('PlacementRole', {
  description: 'How a join placed the caller.',
  values: { listener: { description: 'In the audience.' } } as const,
});

export interface PlacementShape {
  readonly kind: 'placed';
  readonly room: RoomDetail;
  readonly role: 'listener';
}

/** A listener waiting for a seat in a full family. */
export interface QueuedShape {
  readonly kind: 'queued';
  /** The family's main room. */
  readonly room: RoomDetail;
  readonly position: number;
  readonly waiting: number;
}

export type JoinOutcomeShape = PlacementShape | QueuedShape;

export const PlacementRef = builder.objectRef<PlacementShape>('Placement').implement({
  description: 'Where a join placed the listener: the main room, or one of its overflow rooms.',
  isTypeOf: (value) => (value as JoinOutcomeShape).kind === 'placed',
  fields: (t) => ({
    room: t.field({ type: RoomRef, description: 'The room the listener was placed in.', resolve: (p) => p.room }),
    role: t.field({ type: PlacementRoleEnum, description: 'How they were placed.', resolve: (p) => p.role }),
  }),
});

export const QueuedRef = builder.objectRef<QueuedShape>('Queued').implement({
  description:
    'The family has no seat free: the listener waits in its queue, first come first served, and is seated in turn as seats free or capacity grows (the waitingRoom subscription follows it).',
  isTypeOf: (value) => (value as JoinOutcomeShape).kind === 'queued',
  fields: (t) => ({
    room: t.field({ type: RoomRef, description: 'The main room of the family waited for.', resolve: (q) => q.room }),
    position: t.exposeInt('position', { description: 'Where the listener waits: 1 is seated next.' }),
    waiting: t.exposeInt('waiting', { description: 'How many listeners wait in this queue, the listener included.' }),
  }),
});

export const JoinOutcomeRef = builder.unionType('JoinOutcome', {
  description:
    'What a join came to: a seat (Placement), or a place in the family’s waiting room (Queued) when every seat is taken. Ask for both: `... on Placement { room { id } } ... on Queued { position }`.',
  types: [PlacementRef, QueuedRef],
});
