// What the media plane may know of people and rooms: nothing. Rooms and
// participants are named on media nodes by keyed hashes (HMAC with the
// deployment's control secret), so every API node derives the same ids
// without sharing state, a media node cannot turn them back into names, and
// one user's ids in two rooms cannot be linked.
import { createHmac } from 'node:crypto';

export interface OpaqueIds {
  /** A room's id on the media plane. */
  room(roomId: string): string;
  /** A user's id in one room on the media plane. */
  participant(roomId: string, userId: string): string;
  /** The room an opaque id was made for, if this API node made it. */
  roomOf(token: string): string | undefined;
}

export const createOpaqueIds = (secret: string): OpaqueIds => {
  const hash = (prefix: string, text: string) =>
    prefix + createHmac('sha256', secret).update(text).digest('base64url').slice(0, 22);
  const rooms = new Map<string, string>();
  const tokens = new Map<string, string>();
  return {
    room(roomId) {
      let token = rooms.get(roomId);
      if (token === undefined) {
        token = hash('m', `room\0${roomId}`);
        rooms.set(roomId, token);
        tokens.set(token, roomId);
      }
      return token;
    },
    participant: (roomId, userId) => hash('p', `participant\0${roomId}\0${userId}`),
    roomOf: (token) => tokens.get(token),
  };
};

/**
 * The ids of a media node inside the serve process (embedded media): rooms
 * and users by their own ids, since nothing it receives leaves the process.
 * `roomOf` still knows only the rooms this side named.
 */
export const createLocalIds = (): OpaqueIds => {
  const named = new Set<string>();
  return {
    room(roomId) {
      named.add(roomId);
      return roomId;
    },
    participant: (_roomId, userId) => userId,
    roomOf: (token) => (named.has(token) ? token : undefined),
  };
};
