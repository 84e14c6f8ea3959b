/** Every reason the domain refuses a command. Stable: the API maps them to its own codes. */
export type DomainErrorCode =
  | 'ROOM_NOT_FOUND'
  | 'ROOM_ALREADY_EXISTS'
  | 'ROOM_NOT_LIVE'
  | 'ROOM_ENDED'
  | 'ROOM_FULL'
  | 'DOORS_CLOSED'
  | 'STAGE_FULL'
  | 'ALREADY_IN_ROOM'
  | 'NOT_IN_ROOM'
  | 'NOT_QUEUED'
  | 'ALREADY_QUEUED'
  | 'NOT_FIRST_IN_QUEUE'
  | 'NOT_A_MODERATOR'
  | 'NOT_INVITED'
  | 'ALREADY_A_SPEAKER'
  | 'NOT_A_SPEAKER'
  | 'HEADLINER_NOT_ANNOUNCED'
  | 'HEADLINER_ALREADY_ARRIVED'
  | 'OVERFLOW_ROOM_IS_LISTEN_ONLY'
  | 'INVALID_COMMAND'
  | 'TRANSITION_REFUSED'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_ALREADY_EXISTS'
  | 'SESSION_CANCELLED'
  | 'SESSION_ALREADY_OPENED'
  | 'SESSION_NOT_DUE'
  | 'NOT_THE_SESSION_PRODUCER'
  | 'MEDIA_NODE_NOT_FOUND'
  | 'MEDIA_CAPACITY';

/** A command the domain refused, with a stable code and a sentence a person can act on. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
  }
  override get name(): string {
    return 'DomainError';
  }
}

export const roomNotFound = (roomId: string): DomainError =>
  new DomainError('ROOM_NOT_FOUND', `Room ${roomId} does not exist: open or schedule it first.`);

export const roomEnded = (roomId: string): DomainError =>
  new DomainError('ROOM_ENDED', `Room ${roomId} has ended; nothing more can happen in it. Open a new room.`);

export const notAModerator = (roomId: string, userId: string, what: string): DomainError =>
  new DomainError('NOT_A_MODERATOR', `Only a moderator of room ${roomId} can ${what}; ${userId} is not one.`);

export const invalidCommand = (message: string): DomainError => new DomainError('INVALID_COMMAND', message);
