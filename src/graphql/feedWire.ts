import { isRecord } from '../domain/index.ts';
import type { FeedItem } from '../projections/index.ts';

/** One feed item as it crosses Redis between API nodes: JSON, with the log position as a decimal string. */
export interface FeedMessage {
  readonly topic: string;
  readonly item: FeedItem;
}

/** Why a message read from the bus was dropped; one word each, used as a metric label. */
export type RejectionReason = 'not-json' | 'not-an-item' | 'unknown-kind' | 'bad-field';

export const encodeFeedMessage = (topic: string, item: FeedItem): string =>
  JSON.stringify({ topic, item: { ...item, position: String(item.position) } });

type Check = (value: unknown) => boolean;
const isId: Check = (v) => typeof v === 'string' && v.length <= 1000;
const isCount: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isIdList: Check = (v) => Array.isArray(v) && v.length <= 100_000 && v.every(isId);
const isNullableTime: Check = (v) => v === null || (typeof v === 'string' && v.length <= 100);
const oneOf =
  (...values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);

/** Each kind's own fields, beside `kind`, `roomId` and `position`: every one must be named below (typed). */
type OwnFields<K extends FeedItem['kind']> = Exclude<
  keyof Extract<FeedItem, { kind: K }>,
  'kind' | 'roomId' | 'position'
>;

/** The fields each kind carries beside `kind`, `roomId` and `position`: the wire's schema. */
const FIELDS: { readonly [K in FeedItem['kind']]: Record<OwnFields<K>, Check> } = {
  ListenerCountChanged: { listenerCount: isCount, familyListenerCount: isCount },
  SpeakersChanged: { speakers: isIdList },
  HandsChanged: { hands: isIdList, changed: isIdList, moderators: isIdList },
  OverflowRoomSpawned: { overflowRoomId: isId },
  OverflowRoomDrained: { overflowRoomId: isId },
  RoomBecameFull: {},
  RoomHadSeatsAgain: {},
  RoomOpened: {},
  HeadlinerArrived: { userId: isId },
  SpeakerInvited: { userId: isId },
  RoomEnded: { reason: isId },
  MediaReconnectRequired: { redo: (v) => Array.isArray(v) && v.length <= 20 && v.every(isId) },
  SessionChanged: {
    sessionId: isId,
    status: oneOf('scheduled', 'prewarmed', 'opened', 'cancelled'),
    startsAt: isNullableTime,
  },
};

/**
 * Reads a message from the bus without trusting it: anything another
 * process (or a person with redis-cli) put there. Never throws; a message
 * that is not exactly a feed item is rejected with the reason.
 */
export const decodeFeedMessage = (text: string): FeedMessage | { readonly rejected: RejectionReason } => {
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return { rejected: 'not-json' };
  }
  if (!isRecord(wire) || !isId(wire.topic) || !isRecord(wire.item)) return { rejected: 'not-an-item' };
  const { kind, roomId, position } = wire.item;
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) return { rejected: 'unknown-kind' };
  const fields: Record<string, Check> = FIELDS[kind as FeedItem['kind']];
  if (!isId(roomId) || typeof position !== 'string' || !/^\d{1,20}$/.test(position)) return { rejected: 'bad-field' };
  for (const [name, check] of Object.entries(fields)) if (!check(wire.item[name])) return { rejected: 'bad-field' };
  const item = { kind, roomId, position: BigInt(position) } as Record<string, unknown>;
  for (const name of Object.keys(fields)) item[name] = wire.item[name];
  return { topic: wire.topic as string, item: item as unknown as FeedItem };
};
