import { describe, expect, it } from 'vitest';
import { decodeFeedMessage, encodeFeedMessage } from '../../src/graphql/feedWire.ts';
import type { FeedItem } from '../../src/projections/index.ts';

/** One item of every kind, each with all of its fields: what crosses Redis must arrive whole. */
const items: FeedItem[] = [
  { kind: 'ListenerCountChanged', roomId: 'r', listenerCount: 3, familyListenerCount: 9, position: 12n },
  { kind: 'SpeakersChanged', roomId: 'r', speakers: ['a', 'b'], position: 13n },
  { kind: 'HandsChanged', roomId: 'r', hands: ['bob'], changed: ['bob'], moderators: ['alice'], position: 14n },
  { kind: 'OverflowRoomSpawned', roomId: 'r', overflowRoomId: 'r.overflow-1', position: 15n },
  { kind: 'OverflowRoomDrained', roomId: 'r', overflowRoomId: 'r.overflow-1', position: 16n },
  { kind: 'RoomBecameFull', roomId: 'r', position: 17n },
  { kind: 'RoomHadSeatsAgain', roomId: 'r', position: 18n },
  { kind: 'RoomOpened', roomId: 'r', position: 19n },
  { kind: 'HeadlinerArrived', roomId: 'r', userId: 'star', position: 20n },
  { kind: 'SpeakerInvited', roomId: 'r', userId: 'bob', position: 21n },
  { kind: 'RoomEnded', roomId: 'r', reason: 'ended', position: 22n },
  { kind: 'SessionChanged', roomId: 'r', sessionId: 's', status: 'scheduled', startsAt: null, position: 23n },
];

describe('the feed on the wire between nodes', () => {
  it.each(items.map((item) => [item.kind, item] as const))('carries a %s item with every field', (_kind, item) => {
    expect(decodeFeedMessage(encodeFeedMessage('room:r', item))).toEqual({ topic: 'room:r', item });
  });

  it('rejects a HandsChanged that lacks who may see it', () => {
    const wire = JSON.parse(encodeFeedMessage('room:r', items[2]!)) as { item: Record<string, unknown> };
    delete wire.item.moderators;
    expect(decodeFeedMessage(JSON.stringify(wire))).toEqual({ rejected: 'bad-field' });
  });
});
