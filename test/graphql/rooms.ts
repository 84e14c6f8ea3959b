import type { TestApi } from '../support/apiServer.ts';

/** Every field of a Room, as the tests read it back. */
export const ROOM_FIELDS = `
  id parentId title state capacity listenerCount familyListenerCount full
  speakers moderators raisedHands
  headliner { userId expectedAudience arrived }
  overflowRooms { id listenerCount capacity open }
  openedAt endedAt position
`;

export interface RoomView {
  readonly id: string;
  readonly parentId: string | null;
  readonly title: string;
  readonly state: 'scheduled' | 'live' | 'ended';
  readonly capacity: number;
  readonly listenerCount: number;
  readonly familyListenerCount: number;
  readonly full: boolean;
  readonly speakers: string[];
  readonly moderators: string[];
  readonly raisedHands: string[];
  readonly headliner: { userId: string; expectedAudience: number; arrived: boolean } | null;
  readonly overflowRooms: { id: string; listenerCount: number; capacity: number; open: boolean }[];
  readonly openedAt: string | null;
  readonly endedAt: string | null;
  readonly position: string;
}

export interface RoomOptions {
  readonly title?: string;
  readonly capacity?: number;
  readonly speakerCapacity?: number;
  readonly maxOverflowRooms?: number;
}

/** Opens a room as the holder of `token` (who becomes its moderator). */
export const openRoom = async (api: TestApi, token: string, input: RoomOptions = {}): Promise<RoomView> => {
  const { openRoom: room } = await api.data<{ openRoom: RoomView }>(
    `mutation($input: OpenRoomInput!) { openRoom(input: $input) { ${ROOM_FIELDS} } }`,
    { token, variables: { input: { title: 'Late night jazz', ...input } } },
  );
  return room;
};

/** Joins as the holder of `token`; returns where the listener was placed. */
export const joinRoom = async (api: TestApi, token: string, roomId: string) =>
  (
    await api.data<{ joinRoom: { room: RoomView; role: string } }>(
      `mutation($roomId: ID!) { joinRoom(roomId: $roomId) { ... on Placement { role room { ${ROOM_FIELDS} } } } }`,
      { token, variables: { roomId } },
    )
  ).joinRoom;
