export { createBullmqScheduler, DEFAULT_QUEUE_NAME, type BullmqSchedulerOptions } from './bullmqScheduler.ts';
export {
  chooseScheduler,
  RedisUnreachableError,
  type ChooseSchedulerOptions,
  type SchedulerChoice,
} from './chooseScheduler.ts';
export { SchedulerClosedError } from './errors.ts';
export { createInProcessScheduler, type InProcessSchedulerOptions } from './inProcessScheduler.ts';
export { createSessionJobHandlers, type RoomDoor, type SessionJobDeps, type WarmHook } from './sessionJobs.ts';
export { createSessionService, type SessionService } from './sessionService.ts';
export {
  type FailedJob,
  type JobOutcome,
  type SessionJobHandlers,
  type SessionJobKind,
  type SessionScheduler,
  type SessionTimes,
} from './types.ts';
