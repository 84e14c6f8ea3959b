import { inProcessFeedBus, redisFeedBus, type FeedBus } from '../graphql/index.ts';
import type { RoomFeed } from '../projections/index.ts';
import type { Logger } from 'pino';
import type { SpillwayConfig } from './config.ts';
import type { Metrics } from './metrics.ts';

/**
 * The feed subscriptions read: through Redis (under the deployment's
 * namespace) when REDIS_URL is set, else this process's own. A message on
 * Redis that is not a feed item is counted, and logged once per reason.
 */
export const openFeedBus = async (
  config: SpillwayConfig,
  feed: RoomFeed,
  metrics: Metrics,
  logger: Logger,
): Promise<FeedBus> =>
  config.redisUrl
    ? redisFeedBus(config.redisUrl, feed, {
        namespace: config.namespace,
        onRejected: (reason, message) => {
          if (metrics.rejectedMessage('feed', reason))
            logger.warn({ bus: 'feed', reason, message }, 'dropped a bad message from Redis (logged once per reason)');
        },
      })
    : inProcessFeedBus(feed);
