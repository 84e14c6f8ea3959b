export { createMediasoupMediaPlane } from './mediasoupMediaPlane.ts';
export { desiredRouters } from './reconciler.ts';
export { requirePlaced, stillPlaced } from './membership.ts';
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
export { OPUS_PT, opusRtpParameters, RtpReceiver, RtpSender, startListener, startSpeaker } from './plainRtp.ts';
