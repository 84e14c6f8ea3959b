import { randomUUID } from 'node:crypto';
import type { RoomCommand } from '../../domain/index.ts';
import type { RoomDetail } from '../../projections/index.ts';
import { builder } from '../builder.ts';
import type { ApiContext } from '../context.ts';
import { apiError, toGraphQLError } from '../errors.ts';
import { requireRole, spendRateLimit } from '../guards.ts';
import { PlacementRef, RoomRef, type PlacementShape } from '../types/room.ts';

/** What a command needs besides who and when. */
type CommandBody = {
  [K in RoomCommand['type']]: Omit<Extract<RoomCommand, { type: K }>, 'metadata'>;
}[RoomCommand['type']];

/**
 * Sends a command as the viewer and waits until the read models have caught
 * up with it (read-your-writes). Domain refusals become GraphQL errors with
 * stable codes; nothing is written for them.
 */
const send = async (context: ApiContext, what: string, body: CommandBody) => {
  const viewer = requireRole(context, what, 'listener', 'producer');
  spendRateLimit(context, viewer);
  const { commands, readModels, now } = context.services;
  try {
    const result = await commands.send({
      ...body,
      metadata: { actor: viewer.userId, at: now().toISOString(), correlationId: context.requestId },
    });
    if (result.position >= 0n) await readModels.waitFor(result.position);
    return { result, viewer };
  } catch (error) {
    throw toGraphQLError(error);
  }
};

const roomAfter = (context: ApiContext, roomId: string): RoomDetail => {
  const room = context.services.readModels.room(roomId);
  if (!room) throw apiError('NOT_FOUND', `Room ${roomId} does not exist.`);
  return room;
};

const OpenRoomInput = builder.inputType('OpenRoomInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    capacity: t.int({ required: false, description: 'Listener seats in the main room (default 5,000).' }),
    speakerCapacity: t.int({ required: false }),
    maxOverflowRooms: t.int({ required: false }),
  }),
});

builder.mutationFields((t) => {
  /** A room mutation taking just the room, acting as the viewer, returning the room. */
  const roomMutation = (
    what: string,
    type: 'LeaveRoom' | 'RaiseHand' | 'AcceptInvite' | 'MarkHeadlinerArrived' | 'EndRoom',
  ) =>
    t.field({
      type: RoomRef,
      args: { roomId: t.arg.id({ required: true }) },
      resolve: async (_root, { roomId }, context) => {
        const { result } = await send(context, what, { type, data: { roomId } });
        return roomAfter(context, result.roomId);
      },
    });
  /** A room mutation about another user. */
  const userMutation = (what: string, type: 'InviteToSpeak' | 'MoveToAudience' | 'AddModerator') =>
    t.field({
      type: RoomRef,
      args: { roomId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
      resolve: async (_root, { roomId, userId }, context) => {
        const { result } = await send(context, what, { type, data: { roomId, userId } });
        return roomAfter(context, result.roomId);
      },
    });

  return {
    openRoom: t.field({
      type: RoomRef,
      description: 'Opens a room; you become its moderator.',
      args: { input: t.arg({ type: OpenRoomInput, required: true }) },
      resolve: async (_root, { input }, context) => {
        const roomId = randomUUID();
        await send(context, 'open a room', {
          type: 'OpenRoom',
          data: {
            roomId,
            title: input.title,
            ...(input.capacity != null ? { capacity: input.capacity } : {}),
            ...(input.speakerCapacity != null ? { speakerCapacity: input.speakerCapacity } : {}),
            ...(input.maxOverflowRooms != null ? { maxOverflowRooms: input.maxOverflowRooms } : {}),
          },
        });
        return roomAfter(context, roomId);
      },
    }),
    joinRoom: t.field({
      type: PlacementRef,
      description: 'Joins as a listener: in the main room if it has a seat, else in an overflow room.',
      args: { roomId: t.arg.id({ required: true }) },
      resolve: async (_root, { roomId }, context): Promise<PlacementShape> => {
        const started = performance.now();
        requireRole(context, 'join a room', 'listener', 'producer');
        try {
          context.services.admitToMedia?.(roomId);
        } catch (error) {
          throw toGraphQLError(error);
        }
        const { result, viewer } = await send(context, 'join a room', { type: 'JoinRoom', data: { roomId } });
        context.services.observeAdmission?.((performance.now() - started) / 1000);
        let placedIn = result.roomId;
        for (const event of result.events) {
          if (event.type === 'ListenerRedirectedToOverflow' && event.data.userId === viewer.userId)
            placedIn = event.data.overflowRoomId;
        }
        return { room: roomAfter(context, placedIn), role: 'listener' };
      },
    }),
    leaveRoom: roomMutation('leave a room', 'LeaveRoom'),
    raiseHand: roomMutation('raise a hand', 'RaiseHand'),
    lowerHand: t.field({
      type: RoomRef,
      description: "Lowers your hand, or (as a moderator) someone else's.",
      args: { roomId: t.arg.id({ required: true }), userId: t.arg.id({ required: false }) },
      resolve: async (_root, { roomId, userId }, context) => {
        const { result } = await send(context, 'lower a hand', {
          type: 'LowerHand',
          data: { roomId, ...(userId ? { userId } : {}) },
        });
        return roomAfter(context, result.roomId);
      },
    }),
    inviteToSpeak: userMutation('invite to speak', 'InviteToSpeak'),
    acceptInvite: roomMutation('accept an invitation', 'AcceptInvite'),
    moveToAudience: userMutation('move a speaker to the audience', 'MoveToAudience'),
    addModerator: userMutation('add a moderator', 'AddModerator'),
    announceHeadliner: t.field({
      type: RoomRef,
      args: {
        roomId: t.arg.id({ required: true }),
        userId: t.arg.id({ required: true }),
        expectedAudience: t.arg.int({ required: true }),
      },
      resolve: async (_root, { roomId, userId, expectedAudience }, context) => {
        const { result } = await send(context, 'announce a headliner', {
          type: 'AnnounceHeadliner',
          data: { roomId, userId, expectedAudience },
        });
        return roomAfter(context, result.roomId);
      },
    }),
    markHeadlinerArrived: roomMutation('mark the headliner arrived', 'MarkHeadlinerArrived'),
    endRoom: roomMutation('end a room', 'EndRoom'),
  };
});
