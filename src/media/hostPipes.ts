// Fan-out across hosts. The family's source node (where its main room and
// speakers are) keeps one SRTP PipeTransport per receiving node and consumes
// each producer into it once; the receiving node produces them on its
// family's ingress router, and from there its own routers are fed with
// local pipes as on one host. Never a pipe per listener or per router.
import type { types as ms } from 'mediasoup';
import { RoomMediaNotFoundError } from './errors.ts';
import type { FamilyMedia, LiveMedia } from './liveMedia.ts';
import type { HostPipeAnswer, HostPipeOffer, HostPipeRequest } from './types.ts';

const tupleOf = (transport: ms.PipeTransport, listenInfo: ms.TransportListenInfo) => ({
  ip: listenInfo.announcedAddress ?? transport.tuple.localAddress,
  port: transport.tuple.localPort,
});

const createPipe = (family: FamilyMedia, listenInfo: ms.TransportListenInfo): Promise<ms.PipeTransport> => {
  if (!family.main) throw new RoomMediaNotFoundError(family.familyId);
  return family.main.router.createPipeTransport({ listenInfo, enableSrtp: true });
};

/** Source side: the pipe toward `request.receiverId`, made or reused, carrying every producer of the family. */
export const offerHostPipe = async (
  live: LiveMedia,
  request: HostPipeRequest,
  listenInfo: ms.TransportListenInfo,
): Promise<HostPipeAnswer> => {
  const family = live.families.get(request.familyId);
  if (!family?.main) throw new RoomMediaNotFoundError(request.familyId);
  const offerKey = `${request.offer.ip}:${request.offer.port}`;
  let egress = family.egress.get(request.receiverId);
  if (egress && (egress.offerKey !== offerKey || egress.transport.closed)) {
    egress.transport.close();
    family.egress.delete(request.receiverId);
    egress = undefined;
  }
  if (!egress) {
    const transport = await createPipe(family, listenInfo);
    await transport.connect({ ...request.offer });
    egress = { transport, offerKey, consumers: new Map() };
    const made = egress;
    family.egress.set(request.receiverId, made);
    transport.observer.on('close', () => {
      if (family.egress.get(request.receiverId) === made) family.egress.delete(request.receiverId);
    });
  }
  const have = new Set(request.have);
  const producers: HostPipeAnswer['producers'][number][] = [];
  for (const [producerId, speaker] of family.producers) {
    let consumer = egress.consumers.get(producerId);
    if (!consumer || consumer.closed) {
      consumer = await egress.transport.consume({ producerId });
      const made = consumer;
      egress.consumers.set(producerId, made);
      made.observer.on('close', () => {
        if (egress.consumers.get(producerId) === made) egress.consumers.delete(producerId);
      });
    }
    if (!have.has(producerId))
      producers.push({
        producerId,
        participantId: speaker.userId,
        rtpParameters: consumer.rtpParameters,
        paused: consumer.producerPaused,
      });
  }
  return {
    transportId: egress.transport.id,
    answer: { ...tupleOf(egress.transport, listenInfo), srtpParameters: egress.transport.srtpParameters! },
    producers,
    current: [...family.producers.keys()],
  };
};

/**
 * Closes the pipes the share no longer wants: toward nodes that no longer
 * host rooms of the family, and the ingress from a source that is no longer
 * the family's (its main room moved, here or elsewhere). Returns how many.
 */
export const keepHostPipes = (
  live: LiveMedia,
  familyId: string,
  receiverIds: readonly string[],
  sourceNodeId: string | null,
): number => {
  const family = live.families.get(familyId);
  if (!family) return 0;
  let closed = 0;
  for (const [receiverId, egress] of [...family.egress]) {
    if (receiverIds.includes(receiverId)) continue;
    egress.transport.close();
    family.egress.delete(receiverId);
    closed += 1;
  }
  if (family.ingress && family.ingress.sourceNodeId !== sourceNodeId) {
    // Its producers close with it; their local pipes and consumers follow.
    family.ingress.transport.close();
    family.ingress = undefined;
    closed += 1;
  }
  return closed;
};

/**
 * Receiving side: asks the source (through `ask`) for what this host lacks,
 * produces it on the family's ingress router, and closes what the source no
 * longer has. Returns how many producers it added.
 */
export const pullFromHost = async (
  live: LiveMedia,
  familyId: string,
  sourceNodeId: string,
  listenInfo: ms.TransportListenInfo,
  ask: (offer: HostPipeOffer, have: readonly string[]) => Promise<HostPipeAnswer>,
): Promise<number> => {
  const family = live.families.get(familyId);
  if (!family?.main) return 0;
  let ingress = family.ingress;
  if (ingress && (ingress.transport.closed || ingress.sourceNodeId !== sourceNodeId)) {
    ingress.transport.close();
    ingress = undefined;
  }
  if (!ingress) {
    const transport = await createPipe(family, listenInfo);
    const made = { transport, sourceNodeId, sourceTransportId: undefined };
    ingress = made;
    family.ingress = made;
    // Closing the ingress closes its producers, and the reconciler then closes their local pipes.
    transport.observer.on('close', () => {
      if (family.ingress === made) family.ingress = undefined;
    });
  }
  const { transport } = ingress;
  const offer: HostPipeOffer = { ...tupleOf(transport, listenInfo), srtpParameters: transport.srtpParameters! };
  const answer = await ask(offer, [...family.producers.keys()]);
  if (ingress.sourceTransportId !== undefined && ingress.sourceTransportId !== answer.transportId) {
    // The source made a new transport (it restarted its side): this one is connected to the old one for good.
    transport.close();
    return 0;
  }
  if (ingress.sourceTransportId === undefined) {
    await transport.connect({ ...answer.answer });
    ingress.sourceTransportId = answer.transportId;
  }
  const current = new Set(answer.current);
  for (const [producerId, speaker] of [...family.producers]) if (!current.has(producerId)) speaker.producer.close();
  let added = 0;
  for (const piped of answer.producers) {
    if (family.producers.has(piped.producerId)) continue;
    const producer = await transport.produce({
      id: piped.producerId,
      kind: 'audio',
      rtpParameters: piped.rtpParameters,
      paused: piped.paused,
    });
    live.addProducer(family, producer, piped.participantId);
    added += 1;
  }
  return added;
};
