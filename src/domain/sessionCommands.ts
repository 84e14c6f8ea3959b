import type { CommandMetadata } from './commands.ts';

/** What a producer (or the scheduler, on the producer's behalf) asks of a session. Who and when come in the metadata. */

type Of<Type extends string, Data> = { readonly type: Type; readonly data: Data; readonly metadata: CommandMetadata };
type ForSession<T = object> = { readonly sessionId: string } & T;

export type ScheduleSession = Of<
  'ScheduleSession',
  ForSession<{
    roomId: string;
    title: string;
    startsAt: string;
    headlinerUserId: string;
    expectedAudience: number;
    /** Default: DEFAULT_LEAD_TIME_MS. */
    leadTimeMs?: number;
    /** Default: the room's DEFAULT_CAPACITY. */
    capacity?: number;
    /** Default: no drain step. The deployment's SPILLWAY_WARM_DRAIN_MS, filled in by the session service. */
    drainAfterMs?: number;
  }>
>;
/** Moves the session; `leadTimeMs` left out keeps the current one. */
export type RescheduleSession = Of<'RescheduleSession', ForSession<{ startsAt: string; leadTimeMs?: number }>>;
export type CancelSession = Of<'CancelSession', ForSession<{ reason?: string }>>;
/** Sent by the scheduler at `startsAt − leadTimeMs`. */
export type PrewarmSession = Of<'PrewarmSession', ForSession>;
/** Sent by the scheduler at `startsAt`. */
export type OpenSession = Of<'OpenSession', ForSession>;
/** Sent by the scheduler `drainAfterMs` after `startsAt`, once the room's warm-up was ended. */
export type EndSessionWarmUp = Of<'EndSessionWarmUp', ForSession>;

export type SessionCommand =
  ScheduleSession | RescheduleSession | CancelSession | PrewarmSession | OpenSession | EndSessionWarmUp;

export type SessionCommandType = SessionCommand['type'];

/** Fifteen minutes: time to spawn overflow rooms and warm media routers before a crowd arrives. */
export const DEFAULT_LEAD_TIME_MS = 15 * 60 * 1000;
