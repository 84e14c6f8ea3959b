import { randomUUID } from 'node:crypto';
import { DEFAULT_CAPACITY, DEFAULT_MAX_OVERFLOW_ROOMS, type RoomCommand } from '../../domain/index.ts';
import type { RoomDetail } from '../../projections/index.ts';
import { builder } from '../builder.ts';
import type { ApiContext } from '../context.ts';
import { apiError, forbidden, toGraphQLError } from '../errors.ts';
import { requireRole } from '../guards.ts';
import { seatIn, standingOf } from '../joinOutcome.ts';
import { JoinOutcomeRef, RoomRef, type JoinOutcomeShape } from '../types/room.ts';

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

/**
 * A room's size as the caller may open it: anyone who may open rooms, within
 * this instance's limits (a listener's room gets at most the limit's overflow
 * rooms when it names none); past them, only a producer.
 */
const roomSizeFor = (
  context: ApiContext,
  input: { capacity?: number | null; maxOverflowRooms?: number | null },
): { capacity?: number; maxOverflowRooms?: number } => {
  const limits = context.services.roomLimits;
  const producer = context.viewer?.roles.includes('producer') ?? false;
  const capacity = input.capacity ?? undefined;
  const maxOverflowRooms =
    input.maxOverflowRooms ?? (producer ? undefined : Math.min(limits.maxOverflowRooms, DEFAULT_MAX_OVERFLOW_ROOMS));
  if (
    !producer &&
    ((capacity ?? DEFAULT_CAPACITY) > limits.capacity || (maxOverflowRooms ?? 0) > limits.maxOverflowRooms)
  ) {
    throw forbidden(
      `open a room of ${capacity ?? DEFAULT_CAPACITY} seats and ${maxOverflowRooms} overflow rooms`,
      `the role producer past ${limits.capacity} seats or ${limits.maxOverflowRooms} overflow rooms`,
    );
  }
  return {
    ...(capacity !== undefined ? { capacity } : {}),
    ...(maxOverflowRooms !== undefined ? { maxOverflowRooms } : {}),
  };
};

const OpenRoomInput = builder.inputType('OpenRoomInput', {
  description: 'A room to open. Past the instance limits (SPILLWAY_ROOM_LIMITS) it needs the producer role.',
  fields: (t) => ({
    title: t.string({ required: true, description: 'What the room is called: 1 to 200 visible characters.' }),
    capacity: t.int({ required: false, description: 'Listener seats in the main room (default 5,000).' }),
    speakerCapacity: t.int({ required: false, description: 'Seats on stage (default 50).' }),
    maxOverflowRooms: t.int({
      required: false,
      description: 'Overflow rooms it may spawn when full (default 10 for a listener, 100 for a producer).',
    }),
  }),
});

builder.mutationFields((t) => {
  /** A room mutation taking just the room, acting as the viewer, returning the room. */
  const roomMutation = (
    description: string,
    what: string,
    type: 'LeaveRoom' | 'LeaveQueue' | 'RaiseHand' | 'AcceptInvite' | 'MarkHeadlinerArrived' | 'EndRoom',
  ) =>
    t.field({
      type: RoomRef,
      nullable: true,
      description,
      args: { roomId: t.arg.id({ required: true, description: 'The room.' }) },
      resolve: async (_root, { roomId }, context) => {
        const { result } = await send(context, what, { type, data: { roomId } });
        return roomAfter(context, result.roomId);
      },
    });
  /** A room mutation about another user. */
  const userMutation = (description: string, what: string, type: 'InviteToSpeak' | 'MoveToAudience' | 'AddModerator') =>
    t.field({
      type: RoomRef,
      nullable: true,
      description,
      args: {
        roomId: t.arg.id({ required: true, description: 'The room.' }),
        userId: t.arg.id({ required: true, description: 'The user.' }),
      },
      resolve: async (_root, { roomId, userId }, context) => {
        const { result } = await send(context, what, { type, data: { roomId, userId } });
        return roomAfter(context, result.roomId);
      },
    });

  return {
    openRoom: t.field({
      type: RoomRef,
      nullable: true,
      description: 'Opens a room; you become its moderator.',
      args: { input: t.arg({ type: OpenRoomInput, required: true, description: 'What to open.' }) },
      resolve: async (_root, { input }, context) => {
        requireRole(context, 'open a room', 'listener', 'producer');
        const roomId = randomUUID();
        const size = roomSizeFor(context, input);
        await send(context, 'open a room', {
          type: 'OpenRoom',
          data: {
            roomId,
            title: input.title,
            ...size,
            ...(input.speakerCapacity != null ? { speakerCapacity: input.speakerCapacity } : {}),
            ...(context.services.queueCapacity !== undefined ? { queueCapacity: context.services.queueCapacity } : {}),
          },
        });
        return roomAfter(context, roomId);
      },
    }),
    joinRoom: t.field({
      type: JoinOutcomeRef,
      nullable: true,
      description:
        'Joins as a listener: in the main room if it has a seat, else in an overflow room; when the whole family is full, or before the doors of a scheduled session open, a place in its waiting room (Queued), first come first served. Asked again while waiting, it answers the same place.',
      args: { roomId: t.arg.id({ required: true, description: 'The room.' }) },
      resolve: async (_root, { roomId }, context): Promise<JoinOutcomeShape> => {
        const started = performance.now();
        requireRole(context, 'join a room', 'listener', 'producer');
        const { result, viewer } = await send(context, 'join a room', { type: 'JoinRoom', data: { roomId } });
        context.services.observeAdmission?.((performance.now() - started) / 1000);
        const placedIn = seatIn(result.events, viewer.userId);
        if (placedIn !== undefined) return { kind: 'placed', room: roomAfter(context, placedIn), role: 'listener' };
        const { readModels } = context.services;
        // Nothing recorded: already waiting, queued by an earlier request that this node's read models may not hold yet.
        if (result.events.length === 0) await readModels.catchUp().catch(() => undefined);
        const standing = standingOf(readModels, result.roomId, viewer.userId);
        if (standing) return standing;
        const queued = result.events.find((e) => e.type === 'ListenerQueued' && e.data.userId === viewer.userId);
        if (queued?.type === 'ListenerQueued') {
          // Seated or gone again before the read models were asked: where they were queued is still the answer.
          return {
            kind: 'queued',
            room: roomAfter(context, result.roomId),
            position: queued.data.position,
            waiting: queued.data.position,
          };
        }
        throw apiError('CONFLICT', `Your place in room ${roomId}'s family changed while joining; join again.`);
      },
    }),
    leaveQueue: roomMutation(
      "Stops waiting for a seat in the room's waiting room; returns the main room.",
      'leave a waiting room',
      'LeaveQueue',
    ),
    leaveRoom: roomMutation(
      'Leaves the room (or the stage and the room, for a speaker; or the waiting room, for a listener waiting for a seat); returns the room.',
      'leave a room',
      'LeaveRoom',
    ),
    raiseHand: roomMutation('Raises your hand to ask to speak; returns the room.', 'raise a hand', 'RaiseHand'),
    lowerHand: t.field({
      type: RoomRef,
      nullable: true,
      description: "Lowers your hand, or (as a moderator) someone else's.",
      args: {
        roomId: t.arg.id({ required: true, description: 'The room.' }),
        userId: t.arg.id({ required: false, description: 'The user.' }),
      },
      resolve: async (_root, { roomId, userId }, context) => {
        const { result } = await send(context, 'lower a hand', {
          type: 'LowerHand',
          data: { roomId, ...(userId ? { userId } : {}) },
        });
        return roomAfter(context, result.roomId);
      },
    }),
    inviteToSpeak: userMutation(
      'Moderators: invites a listener on stage; they accept with acceptInvite.',
      'invite to speak',
      'InviteToSpeak',
    ),
    acceptInvite: roomMutation(
      'Accepts an invitation to speak: you go on stage.',
      'accept an invitation',
      'AcceptInvite',
    ),
    moveToAudience: userMutation(
      'Moderators: moves a speaker back to the audience.',
      'move a speaker to the audience',
      'MoveToAudience',
    ),
    addModerator: userMutation('Moderators: makes a speaker a moderator too.', 'add a moderator', 'AddModerator'),
    announceHeadliner: t.field({
      type: RoomRef,
      description: 'Moderators: announces a headliner and the audience they bring, so capacity is planned ahead.',
      nullable: true,
      args: {
        roomId: t.arg.id({ required: true, description: 'The room.' }),
        userId: t.arg.id({ required: true, description: 'The user.' }),
        expectedAudience: t.arg.int({ required: true, description: 'Listeners expected.' }),
      },
      resolve: async (_root, { roomId, userId, expectedAudience }, context) => {
        const { result } = await send(context, 'announce a headliner', {
          type: 'AnnounceHeadliner',
          data: { roomId, userId, expectedAudience },
        });
        return roomAfter(context, result.roomId);
      },
    }),
    markHeadlinerArrived: roomMutation(
      'Moderators: records that the announced headliner arrived.',
      'mark the headliner arrived',
      'MarkHeadlinerArrived',
    ),
    endRoom: roomMutation('Moderators: ends the room and all its overflow rooms.', 'end a room', 'EndRoom'),
  };
});
