import { DIRECTORY, type FeedItem } from '../../projections/index.ts';
import { builder } from '../builder.ts';
import { requireViewer } from '../guards.ts';
import { FeedEventRef } from '../types/feed.ts';

// The bus subscription is returned as is: returning its iterator (the client went away) closes it,
// and a transport may have it push items instead (sseFeed.ts).
builder.subscriptionFields((t) => ({
  roomFeed: t.field({
    type: FeedEventRef,
    description: 'Live changes of a room and all of its overflow rooms, in log order.',
    args: { roomId: t.arg.id({ required: true, description: 'The room.' }) },
    subscribe: (_root, { roomId }, context) => {
      requireViewer(context);
      return context.services.feed.subscribe(roomId);
    },
    resolve: (item: FeedItem) => item,
  }),
  directory: t.field({
    type: FeedEventRef,
    description: 'Rooms opening, filling, spilling and ending. Open to everyone.',
    subscribe: (_root, _args, context) => context.services.feed.subscribe(DIRECTORY),
    resolve: (item: FeedItem) => item,
  }),
}));
