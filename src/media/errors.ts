/** Every reason the media plane refuses a request. Stable: the API maps them to its own codes. */
export type MediaErrorCode =
  | 'MEDIA_FORBIDDEN'
  | 'ROOM_MEDIA_NOT_FOUND'
  | 'TRANSPORT_NOT_FOUND'
  | 'PRODUCER_NOT_FOUND'
  | 'CONSUMER_NOT_FOUND'
  | 'CANNOT_CONSUME'
  | 'MEDIA_PLANE_CLOSED'
  | 'TOO_MANY_TRANSPORTS';

/** Base of every error the media plane throws on purpose; malformed arguments throw `TypeError` instead. */
export abstract class MediaError extends Error {
  abstract readonly code: MediaErrorCode;
  override get name(): string {
    return this.constructor.name;
  }
}

/** The caller's role or placement (told at transport creation) does not allow the request. */
export class MediaForbiddenError extends MediaError {
  readonly code = 'MEDIA_FORBIDDEN';
}

export class RoomMediaNotFoundError extends MediaError {
  readonly code = 'ROOM_MEDIA_NOT_FOUND';
  constructor(readonly roomId: string) {
    super(
      `Room ${roomId} has no media routers: it is not open in the capacity plan the media plane last reconciled. Reconcile a plan that lists it, or join a room that is open.`,
    );
  }
}

export class TransportNotFoundError extends MediaError {
  readonly code = 'TRANSPORT_NOT_FOUND';
  constructor(readonly transportId: string) {
    super(
      `Transport ${transportId} does not exist (never created, closed, or lost with its router); create a new transport for the room.`,
    );
  }
}

export class ProducerNotFoundError extends MediaError {
  readonly code = 'PRODUCER_NOT_FOUND';
  constructor(
    readonly producerId: string,
    where: string,
  ) {
    super(
      `Producer ${producerId} is not available ${where}; it may have stopped. Ask for the room's current speakers again.`,
    );
  }
}

export class ConsumerNotFoundError extends MediaError {
  readonly code = 'CONSUMER_NOT_FOUND';
  constructor(readonly consumerId: string) {
    super(`Consumer ${consumerId} does not exist (closed, or lost with its transport); consume again.`);
  }
}

export class CannotConsumeError extends MediaError {
  readonly code = 'CANNOT_CONSUME';
  constructor(readonly producerId: string) {
    super(
      `The rtpCapabilities sent cannot receive producer ${producerId} (Opus audio): load the device with the room's routerRtpCapabilities and send device.rtpCapabilities.`,
    );
  }
}

export class MediaPlaneClosedError extends MediaError {
  readonly code = 'MEDIA_PLANE_CLOSED';
  constructor() {
    super('The media plane is closed; create a new one to carry media.');
  }
}

/** A user already holds as many transports in a room family as one user may. */
export class TooManyTransportsError extends MediaError {
  readonly code = 'TOO_MANY_TRANSPORTS';
  constructor(
    readonly userId: string,
    readonly roomId: string,
    readonly limit: number,
  ) {
    super(
      `${userId} already has ${limit} media transports in room ${roomId}, the most one user may hold; close one (closeMediaTransport) or reuse it.`,
    );
  }
}
