import type { FeedItem } from '../../projections/index.ts';
import { builder } from '../builder.ts';

type Of<K extends FeedItem['kind']> = Extract<FeedItem, { kind: K }>;

const POSITION = 'Log position of the event this change is; within one subscription it never decreases.';
const ROOM = 'The room it happened in: the main room or one of its overflow rooms.';

/** A change that carries nothing but the room it happened to. */
type RoomOnly = { readonly kind: FeedItem['kind']; readonly roomId: string; readonly position: bigint };
const roomOnly = (kind: 'RoomOpened' | 'RoomBecameFull' | 'RoomHadSeatsAgain', description: string) =>
  builder.objectRef<RoomOnly>(kind).implement({
    description,
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.id({ description: ROOM, resolve: (item) => item.roomId }),
      position: t.string({ description: POSITION, resolve: (item) => String(item.position) }),
    }),
  });

export const ListenerCountChangedRef = builder.objectRef<Of<'ListenerCountChanged'>>('ListenerCountChanged').implement({
  description:
    "A room's listener count, coalesced: a quiet room's first change goes out at once, later ones at most once per window (a few a second).",
  isTypeOf: (item) => (item as FeedItem).kind === 'ListenerCountChanged',
  fields: (t) => ({
    roomId: t.exposeID('roomId', { description: ROOM }),
    position: t.string({
      description:
        'The log position the counts are exact as of: every join and leave up to it is counted. A coalesced count is sent later than the changes it sums up, so this is at least the last of them, and may equal the position of other changes sent before it; it never decreases within one subscription.',
      resolve: (item) => String(item.position),
    }),
    listenerCount: t.exposeInt('listenerCount', { description: 'Listeners seated in this room.' }),
    familyListenerCount: t.exposeInt('familyListenerCount', {
      description: 'Listeners in the whole family (the main room and its overflow rooms), as this room counts them.',
    }),
  }),
});
const usersOf = (
  name: string,
  kind: 'SpeakersChanged' | 'HandsChanged',
  field: 'speakers' | 'hands',
  described: { type: string; userIds: string },
) =>
  builder.objectRef<Of<typeof kind>>(name).implement({
    description: described.type,
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId', { description: ROOM }),
      position: t.string({ description: POSITION, resolve: (item) => String(item.position) }),
      userIds: t.idList({
        description: described.userIds,
        resolve: (item) =>
          field === 'speakers' ? (item as Of<'SpeakersChanged'>).speakers : (item as Of<'HandsChanged'>).hands,
      }),
    }),
  });
const overflowOf = (kind: 'OverflowRoomSpawned' | 'OverflowRoomDrained', description: string) =>
  builder.objectRef<Of<typeof kind>>(kind).implement({
    description,
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId', { description: 'The main room.' }),
      position: t.string({ description: POSITION, resolve: (item) => String(item.position) }),
      overflowRoomId: t.exposeID('overflowRoomId', { description: 'The overflow room.' }),
    }),
  });
const userOf = (kind: 'HeadlinerArrived' | 'SpeakerInvited', description: string, userId: string) =>
  builder.objectRef<Of<typeof kind>>(kind).implement({
    description,
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId', { description: ROOM }),
      position: t.string({ description: POSITION, resolve: (item) => String(item.position) }),
      userId: t.exposeID('userId', { description: userId }),
    }),
  });

export const FeedEventRef = builder.unionType('RoomFeedEvent', {
  description:
    'A change in a room family, as its live feed carries it (listener counts are coalesced, a few per second).',
  types: [
    ListenerCountChangedRef,
    usersOf('SpeakersChanged', 'SpeakersChanged', 'speakers', {
      type: 'Who is on the main room’s stage now.',
      userIds: 'Every speaker, in the order they went on stage.',
    }),
    usersOf('HandsChanged', 'HandsChanged', 'hands', {
      type: 'A hand went up or down. Moderators of the room get every change; anyone else only the changes of their own hand.',
      userIds:
        'For a moderator, every raised hand in the order they went up; for anyone else, their own id while their hand is up, else empty.',
    }),
    overflowOf('OverflowRoomSpawned', 'The main room was full and opened an overflow room.'),
    overflowOf('OverflowRoomDrained', 'An overflow room emptied and was closed.'),
    userOf('HeadlinerArrived', 'The announced headliner is on stage.', 'The headliner.'),
    userOf('SpeakerInvited', 'A moderator invited someone to speak.', 'Who was invited.'),
    roomOnly('RoomOpened', 'The room opened (for an overflow room: it was spawned and is open).'),
    roomOnly('RoomBecameFull', 'The room has no free seat: new listeners go to overflow rooms.'),
    roomOnly('RoomHadSeatsAgain', 'A seat came free in a full room.'),
    builder.objectRef<Of<'SessionChanged'>>('SessionChanged').implement({
      description: "A producer's session was scheduled, moved, prewarmed, opened or cancelled (directory only).",
      isTypeOf: (item) => (item as FeedItem).kind === 'SessionChanged',
      fields: (t) => ({
        roomId: t.exposeID('roomId', { description: 'The room the session opens.' }),
        position: t.string({ description: POSITION, resolve: (item) => String(item.position) }),
        sessionId: t.exposeID('sessionId', { description: 'The session.' }),
        status: t.exposeString('status', { description: 'One of scheduled, prewarmed, opened or cancelled.' }),
        startsAt: t.field({
          type: 'DateTime',
          nullable: true,
          description: 'When the doors open, if the change says.',
          resolve: (item) => item.startsAt,
        }),
      }),
    }),
    builder.objectRef<Of<'RoomEnded'>>('RoomEnded').implement({
      description:
        'The room ended; nothing happens in it after this. A roomFeed completes right after the RoomEnded of the room it was asked for.',
      isTypeOf: (item) => (item as FeedItem).kind === 'RoomEnded',
      fields: (t) => ({
        roomId: t.exposeID('roomId', { description: ROOM }),
        position: t.string({ description: POSITION, resolve: (item) => String(item.position) }),
        reason: t.exposeString('reason', {
          description:
            'One of ended (by a moderator), parentEnded (its main room ended) or drained (an overflow room emptied).',
        }),
      }),
    }),
  ],
});
