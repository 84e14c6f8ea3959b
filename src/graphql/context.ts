import type { RoomCommands } from '../commands/index.ts';
import type { MediaSignaling } from '../media/index.ts';
import type { ReadModels } from '../projections/index.ts';
import type { FailedJob, SessionService } from '../scheduling/index.ts';
import type { FeedBus } from './feedBus.ts';
import type { RateLimiter } from './rateLimiter.ts';

export type Role = 'listener' | 'producer' | 'analyst';
export const ROLES: readonly Role[] = ['listener', 'producer', 'analyst'];

/** Who is calling, from a verified token: never from what the client says. */
export interface Viewer {
  readonly userId: string;
  readonly roles: readonly Role[];
}

/** What the API reaches through: the command path, the read models, the feed. */
export interface ApiServices {
  readonly commands: RoomCommands;
  readonly readModels: ReadModels;
  readonly feed: FeedBus;
  readonly rateLimiter: RateLimiter;
  /** Producers' scheduled sessions: their mutations, and the jobs that failed. */
  readonly sessions: {
    readonly service: SessionService;
    readonly failedJobs: () => Promise<FailedJob[]>;
  };
  /** Media signaling for clients; undefined when this node runs without media. */
  readonly media: MediaSignaling | undefined;
  /** Told how long each joinRoom took, request to answer (metrics). */
  readonly observeAdmission?: (seconds: number) => void;
  /** Time for command metadata (the domain never reads a clock). */
  readonly now: () => Date;
  /** Rooms bigger than this need the producer role; within them, any listener may open one. */
  readonly roomLimits: { readonly capacity: number; readonly maxOverflowRooms: number };
  /** How many may wait for a seat in a family the API opens (the room keeps it); absent: the domain's default. */
  readonly queueCapacity?: number;
}

export interface ApiContext {
  readonly viewer: Viewer | null;
  readonly services: ApiServices;
  readonly requestId: string;
}
