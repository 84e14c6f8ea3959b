import { DIRECTORY, roomFeedFor, type FeedItem } from '../../projections/index.ts';
import { builder } from '../builder.ts';
import { apiError } from '../errors.ts';
import { requireViewer } from '../guards.ts';
import { FeedEventRef } from '../types/feed.ts';
import { followStanding } from '../joinOutcome.ts';
import { JoinOutcomeRef, type JoinOutcomeShape } from '../types/room.ts';

// The bus subscription (or this viewer's view of it) is returned as is: returning its iterator (the client
// went away) closes it, and a transport may have it push items instead (sseFeed.ts).
builder.subscriptionFields((t) => ({
  roomFeed: t.field({
    type: FeedEventRef,
    description:
      'Live changes of a room and all of its overflow rooms, in log order: `position` never decreases. Completes right after the RoomEnded of the room asked for; for a room that has already ended, sends that RoomEnded and completes; an unknown room is NOT_FOUND. Raised hands (HandsChanged) go to the room’s moderators, and to each hand’s owner for their own hand only.',
    args: { roomId: t.arg.id({ required: true, description: 'A main or overflow room.' }) },
    subscribe: async (_root, { roomId }, context) => {
      const viewer = requireViewer(context);
      const { feed, readModels } = context.services;
      // A room just opened through another node may not be in this node's read models yet.
      if (!readModels.room(roomId)) await readModels.catchUp().catch(() => undefined);
      const subscription = roomFeedFor(
        { subscribe: (topic) => feed.subscribe(topic), room: (id) => readModels.room(id) },
        roomId,
        viewer.userId,
      );
      if (!subscription) throw apiError('NOT_FOUND', `Room ${roomId} does not exist; check the id (rooms lists them).`);
      return subscription;
    },
    resolve: (item: FeedItem) => item,
  }),
  waitingRoom: t.field({
    type: JoinOutcomeRef,
    description:
      'Your place in a family’s waiting room, live: Queued with your position each time it changes, then your Placement once you are seated, and it completes. It also completes when you leave the queue or the room ends; asked when you are not waiting, it is NOT_QUEUED (or your Placement, if you were just seated from the queue). Only you see your own place.',
    args: {
      roomId: t.arg.id({ required: true, description: 'The room (main or overflow) whose family you wait for.' }),
    },
    subscribe: async (_root, { roomId }, context) => {
      const viewer = requireViewer(context);
      const { readModels } = context.services;
      await readModels.catchUp().catch(() => undefined);
      const standing = followStanding(readModels, roomId, viewer.userId);
      if (!standing)
        throw apiError(
          'NOT_QUEUED',
          `You are not waiting for a seat in room ${roomId}'s family; joinRoom answers Queued when you must wait.`,
        );
      return standing;
    },
    resolve: (item: JoinOutcomeShape) => item,
  }),
  directory: t.field({
    type: FeedEventRef,
    description: 'Rooms opening, filling, spilling and ending. Open to everyone.',
    subscribe: (_root, _args, context) => context.services.feed.subscribe(DIRECTORY),
    resolve: (item: FeedItem) => item,
  }),
}));
