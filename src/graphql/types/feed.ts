import type { FeedItem } from '../../projections/index.ts';
import { builder } from '../builder.ts';

type Of<K extends FeedItem['kind']> = Extract<FeedItem, { kind: K }>;

/** A change that carries nothing but the room it happened to. */
type RoomOnly = { readonly kind: FeedItem['kind']; readonly roomId: string; readonly position: bigint };
const roomOnly = (kind: 'RoomOpened' | 'RoomBecameFull' | 'RoomHadSeatsAgain') =>
  builder.objectRef<RoomOnly>(kind).implement({
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.id({ resolve: (item) => item.roomId }),
      position: t.string({ description: 'Log position of the change.', resolve: (item) => String(item.position) }),
    }),
  });

export const ListenerCountChangedRef = builder.objectRef<Of<'ListenerCountChanged'>>('ListenerCountChanged').implement({
  isTypeOf: (item) => (item as FeedItem).kind === 'ListenerCountChanged',
  fields: (t) => ({
    roomId: t.exposeID('roomId'),
    position: t.string({ resolve: (item) => String(item.position) }),
    listenerCount: t.exposeInt('listenerCount'),
    familyListenerCount: t.exposeInt('familyListenerCount'),
  }),
});
const usersOf = (name: string, kind: 'SpeakersChanged' | 'HandsChanged', field: 'speakers' | 'hands') =>
  builder.objectRef<Of<typeof kind>>(name).implement({
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId'),
      position: t.string({ resolve: (item) => String(item.position) }),
      userIds: t.idList({
        resolve: (item) =>
          field === 'speakers' ? (item as Of<'SpeakersChanged'>).speakers : (item as Of<'HandsChanged'>).hands,
      }),
    }),
  });
const overflowOf = (kind: 'OverflowRoomSpawned' | 'OverflowRoomDrained') =>
  builder.objectRef<Of<typeof kind>>(kind).implement({
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId'),
      position: t.string({ resolve: (item) => String(item.position) }),
      overflowRoomId: t.exposeID('overflowRoomId'),
    }),
  });
const userOf = (kind: 'HeadlinerArrived' | 'SpeakerInvited') =>
  builder.objectRef<Of<typeof kind>>(kind).implement({
    isTypeOf: (item) => (item as FeedItem).kind === kind,
    fields: (t) => ({
      roomId: t.exposeID('roomId'),
      position: t.string({ resolve: (item) => String(item.position) }),
      userId: t.exposeID('userId'),
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
        roomId: t.exposeID('roomId'),
        position: t.string({ resolve: (item) => String(item.position) }),
        sessionId: t.exposeID('sessionId'),
        status: t.exposeString('status'),
        startsAt: t.field({ type: 'DateTime', nullable: true, resolve: (item) => item.startsAt }),
      }),
    }),
    builder.objectRef<Of<'MediaReconnectRequired'>>('MediaReconnectRequired').implement({
      description:
        "The room's audio moved to another media node (the one carrying it was lost): close your media transports and redo these steps.",
      isTypeOf: (item) => (item as FeedItem).kind === 'MediaReconnectRequired',
      fields: (t) => ({
        roomId: t.exposeID('roomId'),
        position: t.string({ resolve: (item) => String(item.position) }),
        redo: t.stringList({ resolve: (item) => [...item.redo] }),
      }),
    }),
    builder.objectRef<Of<'RoomEnded'>>('RoomEnded').implement({
      isTypeOf: (item) => (item as FeedItem).kind === 'RoomEnded',
      fields: (t) => ({
        roomId: t.exposeID('roomId'),
        position: t.string({ resolve: (item) => String(item.position) }),
        reason: t.exposeString('reason'),
      }),
    }),
  ],
});
