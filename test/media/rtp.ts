// The media tests' RTP tools: the demo's plain-RTP speaker and listener
// (src/cli/demo), and a few waiting helpers.
import type { ConsumerParameters } from '../../src/media/index.ts';

export {
  OPUS_PT,
  opusRtpParameters,
  RtpReceiver,
  RtpSender,
  startListener,
  startSpeaker,
} from '../../src/cli/demo/plainRtp.ts';

export const ssrcOf = (consumer: ConsumerParameters): number => consumer.rtpParameters.encodings?.[0]?.ssrc ?? -1;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds or `ms` passes; returns whether it held. */
export const eventually = async (check: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
};
