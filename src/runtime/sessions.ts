import { createSessionCommands } from '../commands/index.ts';
import {
  chooseScheduler,
  createInProcessScheduler,
  createSessionJobHandlers,
  createSessionService,
  type WarmHook,
} from '../scheduling/index.ts';
import type { Logger } from 'pino';
import type { SpillwayConfig } from './config.ts';
import type { Engine } from './engine.ts';

/**
 * Sessions: their commands on the engine's log, their jobs on BullMQ when
 * Redis answers, else on in-process timers. `resync` makes every pending
 * session's jobs again from the schedule, so a Redis that lost its data heals;
 * on BullMQ it also runs every 10 s and whenever Redis comes back.
 */
export const startSessions = async (
  engine: Engine,
  config: SpillwayConfig,
  warm: WarmHook | undefined,
  logger: Logger,
) => {
  const sessions = createSessionCommands(engine.store);
  const handlers = createSessionJobHandlers({ sessions, rooms: engine.commands, ...(warm ? { warm } : {}) });
  const { scheduler, reason } =
    config.scheduler === 'timers'
      ? { scheduler: createInProcessScheduler({ handlers }), reason: 'In-process timers (SPILLWAY_SCHEDULER=timers).' }
      : await chooseScheduler({
          handlers,
          redisUrl: config.redisUrl,
          // Under the deployment's namespace; healing while running from the schedule the read models hold.
          bullmq: {
            queueName: config.schedulerQueue,
            prefix: `spillway:${config.namespace}`,
            pending: () => engine.readModels.schedule.pending(),
            onError: (error) => logger.warn({ err: error }, 'scheduler'),
          },
        });
  return {
    scheduler,
    reason,
    service: createSessionService({ sessions, scheduler, rooms: engine.commands, drainAfterMs: config.warmDrainMs }),
    /** Once the read models hold the whole log: the schedule they hold is every session's truth. */
    resync: () => scheduler.resync(engine.readModels.schedule.pending()),
  };
};
