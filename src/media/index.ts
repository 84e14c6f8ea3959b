export { createMediasoupMediaPlane } from './mediasoupMediaPlane.ts';
export { createReconcileReactor, type ReconcileReactor } from './reconcileReactor.ts';
export {
  CannotConsumeError,
  ConsumerNotFoundError,
  MediaError,
  MediaForbiddenError,
  MediaPlaneClosedError,
  ProducerNotFoundError,
  RoomMediaNotFoundError,
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
