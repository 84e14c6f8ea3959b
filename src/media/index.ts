export { createMediasoupMediaPlane } from './mediasoupMediaPlane.ts';
export { requirePlaced, stillPlaced } from './membership.ts';
export { createPlacementReactor, type PlacementReactor } from './placementReactor.ts';
export { createReconcileReactor, type ReconcileReactor } from './reconcileReactor.ts';
export {
  CannotConsumeError,
  ConsumerNotFoundError,
  MediaError,
  MediaForbiddenError,
  MediaPlaneClosedError,
  ProducerNotFoundError,
  RoomMediaNotFoundError,
  TooManyTransportsError,
  TransportNotFoundError,
  type MediaErrorCode,
} from './errors.ts';
export type {
  ConsumerParameters,
  DtlsParameters,
  IceCandidate,
  IceParameters,
  LostRoom,
  MediaCaller,
  MediaInventory,
  MediaKind,
  MediaPlane,
  MediaPlacement,
  MediaPlaneEvents,
  MediaSignaling,
  MediasoupMediaPlaneOptions,
  PlainRtpTransportParameters,
  ReconcileReport,
  RoutersLost,
  RtpCapabilities,
  RtpParameters,
  WebRtcTransportParameters,
} from './types.ts';
