import { isRecord } from '../domain/index.ts';
import type { CapacityPlan } from '../projections/index.ts';
import type { DtlsParameters, HostPipeRequest, MediaCaller, RtpCapabilities, RtpParameters } from './types.ts';

// Checks at the door: a malformed argument is the caller's bug, so it is a
// TypeError naming the field, thrown before anything is touched.

export const requireId = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value.trim() === '')
    throw new TypeError(`${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
};

export const requireRecord = (value: unknown, field: string): Record<string, unknown> => {
  if (!isRecord(value))
    throw new TypeError(`${field} must be an object, got ${value === null ? 'null' : typeof value}`);
  return value;
};

export const requireCaller = (caller: unknown): MediaCaller => {
  const c = requireRecord(caller, 'caller');
  requireId(c.userId, 'caller.userId');
  requireId(c.roomId, 'caller.roomId');
  if (c.role !== 'speaker' && c.role !== 'listener') {
    throw new TypeError(`caller.role must be 'speaker' or 'listener', got ${JSON.stringify(c.role)}`);
  }
  return c as unknown as MediaCaller;
};

export const requireDtlsParameters = (value: unknown): DtlsParameters => {
  const d = requireRecord(value, 'dtlsParameters');
  if (!Array.isArray(d.fingerprints) || d.fingerprints.length === 0) {
    throw new TypeError(
      'dtlsParameters.fingerprints must be a non-empty array (take it from the client transport’s "connect" event)',
    );
  }
  return d as unknown as DtlsParameters;
};

export const requireRtpParameters = (value: unknown): RtpParameters => {
  const p = requireRecord(value, 'rtpParameters');
  if (!Array.isArray(p.codecs) || p.codecs.length === 0)
    throw new TypeError('rtpParameters.codecs must be a non-empty array');
  return p as unknown as RtpParameters;
};

export const requireRtpCapabilities = (value: unknown): RtpCapabilities => {
  const c = requireRecord(value, 'rtpCapabilities');
  if (!Array.isArray(c.codecs))
    throw new TypeError('rtpCapabilities.codecs must be an array (send device.rtpCapabilities)');
  return c;
};

export const requireAudioKind = (value: unknown): 'audio' => {
  if (value !== 'audio')
    throw new TypeError(`kind must be 'audio' (the media plane carries voice only), got ${JSON.stringify(value)}`);
  return value;
};

export const requireRemote = (value: unknown): { ip: string; port: number } => {
  const r = requireRecord(value, 'remote');
  requireId(r.ip, 'remote.ip');
  if (typeof r.port !== 'number' || !Number.isInteger(r.port) || r.port < 1 || r.port > 65535) {
    throw new TypeError(`remote.port must be an integer from 1 to 65535, got ${JSON.stringify(r.port)}`);
  }
  return { ip: r.ip as string, port: r.port };
};

export const requirePlans = (value: unknown): readonly CapacityPlan[] => {
  if (!Array.isArray(value))
    throw new TypeError('plans must be an array of capacity plans (all of them: families left out are closed)');
  const seen = new Set<string>();
  value.forEach((plan: unknown, i) => {
    const p = requireRecord(plan, `plans[${i}]`);
    const familyId = requireId(p.familyId, `plans[${i}].familyId`);
    if (seen.has(familyId)) throw new TypeError(`plans[${i}]: family ${familyId} appears twice`);
    seen.add(familyId);
    if (p.state !== 'live' && p.state !== 'ended') throw new TypeError(`plans[${i}].state must be 'live' or 'ended'`);
    if (!Array.isArray(p.speakers) || !p.speakers.every((s) => typeof s === 'string')) {
      throw new TypeError(`plans[${i}].speakers must be an array of user ids`);
    }
    if (!Array.isArray(p.rooms)) throw new TypeError(`plans[${i}].rooms must be an array`);
    p.rooms.forEach((room: unknown, j) => {
      const r = requireRecord(room, `plans[${i}].rooms[${j}]`);
      requireId(r.roomId, `plans[${i}].rooms[${j}].roomId`);
      if (typeof r.open !== 'boolean') throw new TypeError(`plans[${i}].rooms[${j}].open must be a boolean`);
      if (typeof r.routers !== 'number' || !Number.isInteger(r.routers) || r.routers < 0) {
        throw new TypeError(`plans[${i}].rooms[${j}].routers must be a non-negative integer`);
      }
    });
  });
  return value as readonly CapacityPlan[];
};

export const requireHostPipeRequest = (value: unknown): HostPipeRequest => {
  const r = requireRecord(value, 'request');
  requireId(r.familyId, 'familyId');
  requireId(r.receiverId, 'receiverId');
  const offer = requireRecord(r.offer, 'offer');
  requireRemote({ ip: offer.ip, port: offer.port });
  const srtp = requireRecord(offer.srtpParameters, 'offer.srtpParameters');
  requireId(srtp.cryptoSuite, 'offer.srtpParameters.cryptoSuite');
  requireId(srtp.keyBase64, 'offer.srtpParameters.keyBase64');
  if (!Array.isArray(r.have) || !r.have.every((id) => typeof id === 'string'))
    throw new TypeError('have must be an array of producer ids');
  return r as unknown as HostPipeRequest;
};
