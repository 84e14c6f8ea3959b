import type { FeedItem } from '../../projections/index.ts';
import { builder } from '../builder.ts';

type Of<K extends FeedItem['kind']> = Extract<FeedItem, { kind: K }>;

/** A change that carries nothing but the room it happened to. */
type RoomOnly = { readonly kind: FeedItem['kind']; readonly roomId: string; readonly position: bigint };
const ROOM_ONLY = {
  RoomOpened: 'A room opened.',
  RoomBecameFull: 'The main room filled: new listeners go to overflow rooms.',
  RoomHadSeatsAgain: 'The main room has seats again.',
} as const;
const roomOnly = (kind: 'RoomOpened' | 'RoomBecameFull' | 'RoomHadSeatsAgain') =>
  builder.objectRef<RoomOnly>(kind).implement({
    description: ROOM_ONLY[kind],
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.id({ description: 'The main room of the family it happened in.', resolve: (item) => item.roomId }),
      position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
    }),
  });

export const ListenerCountChangedRef = builder.objectRef<Of<'ListenerCountChanged'>>('ListenerCountChanged').implement({
  description: 'Listener counts changed (coalesced: a few per second at most).',
  isTypeOf: (item) => (item as FeedItem).kind === 'ListenerCountChanged',
  fields: (t) => ({
    roomId: t.exposeID('roomId', { description: 'The main room of the family it happened in.' }),
    position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
    listenerCount: t.exposeInt('listenerCount', { description: 'Listeners in the main room.' }),
    familyListenerCount: t.exposeInt('familyListenerCount', {
      description: 'Listeners in the room and its overflow rooms.',
    }),
  }),
});
const usersOf = (name: string, kind: 'SpeakersChanged' | 'HandsChanged', field: 'speakers' | 'hands') =>
  builder.objectRef<Of<typeof kind>>(name).implement({
    description: kind === 'SpeakersChanged' ? 'Who is on stage changed.' : 'The raised hands changed.',
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId', { description: 'The main room of the family it happened in.' }),
      position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
      userIds: t.idList({
        description: 'The users now, in order.',
        resolve: (item) =>
          field === 'speakers' ? (item as Of<'SpeakersChanged'>).speakers : (item as Of<'HandsChanged'>).hands,
      }),
    }),
  });
const overflowOf = (kind: 'OverflowRoomSpawned' | 'OverflowRoomDrained') =>
  builder.objectRef<Of<typeof kind>>(kind).implement({
    description: kind === 'OverflowRoomSpawned' ? 'An overflow room opened.' : 'An overflow room emptied and closed.',
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId', { description: 'The main room of the family it happened in.' }),
      position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
      overflowRoomId: t.exposeID('overflowRoomId', { description: 'The overflow room.' }),
    }),
  });
const userOf = (kind: 'HeadlinerArrived' | 'SpeakerInvited') =>
  builder.objectRef<Of<typeof kind>>(kind).implement({
    description: kind === 'HeadlinerArrived' ? 'The headliner arrived.' : 'A listener was invited on stage.',
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId', { description: 'The main room of the family it happened in.' }),
      position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
      userId: t.exposeID('userId', { description: 'The user.' }),
    }),
  });

export const FeedEventRef = builder.unionType('RoomFeedEvent', {
  description:
    'A change in a room family, as its live feed carries it (listener counts are coalesced, a few per second).',
  types: [
    ListenerCountChangedRef,
    usersOf('SpeakersChanged', 'SpeakersChanged', 'speakers'),
    usersOf('HandsChanged', 'HandsChanged', 'hands'),
    overflowOf('OverflowRoomSpawned'),
    overflowOf('OverflowRoomDrained'),
    userOf('HeadlinerArrived'),
    userOf('SpeakerInvited'),
    roomOnly('RoomOpened'),
    roomOnly('RoomBecameFull'),
    roomOnly('RoomHadSeatsAgain'),
    builder.objectRef<Of<'SessionChanged'>>('SessionChanged').implement({
      description: "A producer's session was scheduled, moved, prewarmed, opened or cancelled (directory only).",
      isTypeOf: (item) => (item as FeedItem).kind === 'SessionChanged',
      fields: (t) => ({
        roomId: t.exposeID('roomId', { description: 'The main room of the family it happened in.' }),
        position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
        sessionId: t.exposeID('sessionId', { description: 'The session.' }),
        status: t.exposeString('status', { description: 'Its status now.' }),
        startsAt: t.field({
          type: 'DateTime',
          nullable: true,
          description: 'When it starts.',
          resolve: (item) => item.startsAt,
        }),
      }),
    }),
    builder.objectRef<Of<'RoomEnded'>>('RoomEnded').implement({
      description: 'The room ended.',
      isTypeOf: (item) => (item as FeedItem).kind === 'RoomEnded',
      fields: (t) => ({
        roomId: t.exposeID('roomId', { description: 'The main room of the family it happened in.' }),
        position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
        reason: t.exposeString('reason', { description: 'Why it ended.' }),
      }),
    }),
  ],
});
