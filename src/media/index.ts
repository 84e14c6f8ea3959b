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
export {
  CONTROL_SKEW_MS,
  ControlCallError,
  createControlClient,
  createControlHandler,
  createControlVerifier,
  RemoteMediaError,
  requireControlSecret,
  serveControl,
  signControlRequest,
  type ControlClient,
  type ControlServer,
} from './controlChannel.ts';
export { createLocalIds, createOpaqueIds, type OpaqueIds } from './opaqueIds.ts';
export { createLocalControl, type LocalControl, type LocalControlHandler } from './localControl.ts';
export { sharesFor, type LiveNode } from './nodeShares.ts';
export { createRemoteMedia, type RemoteMediaOptions, type RemoteNode } from './remoteMedia.ts';
export {
  DEFAULT_LISTENERS_PER_WORKER,
  startMediaNode,
  type MediaNodeOptions,
  type RunningMediaNode,
} from './mediaNode.ts';
export type { FamilyShare, HostPipeAnswer, HostPipeOffer, HostPipeRequest, HostPipes } from './types.ts';
