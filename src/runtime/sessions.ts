import { createSessionCommands } from '../commands/index.ts';
import { chooseScheduler, createSessionJobHandlers, createSessionService, type WarmHook } from '../scheduling/index.ts';
import type { SpillwayConfig } from './config.ts';
import type { Engine } from './engine.ts';

/**
 * Sessions: their commands on the engine's log, their jobs on BullMQ when
 * Redis answers, else on in-process timers. `resync` makes every pending
 * session's jobs again from the schedule, so a Redis that lost its data heals.
 */
export const startSessions = async (engine: Engine, config: SpillwayConfig, warm: WarmHook | undefined) => {
  const sessions = createSessionCommands(engine.store);
  const handlers = createSessionJobHandlers({ sessions, rooms: engine.commands, ...(warm ? { warm } : {}) });
  const { scheduler, reason } = await chooseScheduler({
    handlers,
    redisUrl: config.redisUrl,
    bullmq: { queueName: config.schedulerQueue },
  });
  return {
    scheduler,
    reason,
    service: createSessionService({ sessions, scheduler }),
    /** Once the read models hold the whole log: the schedule they hold is every session's truth. */
    resync: () => scheduler.resync(engine.readModels.schedule.pending()),
  };
};
