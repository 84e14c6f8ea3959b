import { DIRECTORY, type FeedItem } from '../../projections/index.ts';
import { builder } from '../builder.ts';
import { requireViewer } from '../guards.ts';
import { FeedEventRef } from '../types/feed.ts';

/** Ends the bus subscription when the client goes away (the iterator is returned). */
async function* relay(subscription: AsyncIterable<FeedItem> & { close(): void }): AsyncGenerator<FeedItem> {
  try {
    yield* subscription;
  } finally {
    subscription.close();
  }
}

builder.subscriptionFields((t) => ({
  roomFeed: t.field({
    type: FeedEventRef,
    description: 'Live changes of a room and all of its overflow rooms, in log order.',
    args: { roomId: t.arg.id({ required: true }) },
    subscribe: (_root, { roomId }, context) => {
      requireViewer(context);
      return relay(context.services.feed.subscribe(roomId));
    },
    resolve: (item: FeedItem) => item,
  }),
  directory: t.field({
    type: FeedEventRef,
    description: 'Rooms opening, filling, spilling and ending. Open to everyone.',
    subscribe: (_root, _args, context) => relay(context.services.feed.subscribe(DIRECTORY)),
    resolve: (item: FeedItem) => item,
  }),
}));
