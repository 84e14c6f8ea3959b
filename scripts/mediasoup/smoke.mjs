// Smoke test for a mediasoup-worker binary: real RTP through two routers.
//
//   UDP socket --RTP--> PlainTransport (comedia) -> Producer       [router1]
//     -> pipeToRouter(keepId:false, enableSrtp:true)  (SRTP protect/unprotect)
//     -> Consumer on a PlainTransport                              [router2]
//     --RTP--> UDP socket (counted, payload compared)
//
// Run from a directory whose node_modules has mediasoup:
//   MEDIASOUP_WORKER_BIN=/path/to/mediasoup-worker node /path/to/smoke.mjs
// (without MEDIASOUP_WORKER_BIN mediasoup uses worker/out/Release/mediasoup-worker).
// Prints "mediasoup smoke: ok packets=N" and exits 0, or exits 1.
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import path from 'node:path';
import { once } from 'node:events';

const PACKETS = 50;
const MIN_RECEIVED = 45; // loopback should deliver all; allow a little slack
const SSRC = 0x11223344;
const PT = 111;

const require = createRequire(path.join(process.cwd(), 'smoke-resolver.cjs'));
let mediasoup;
try {
	mediasoup = require('mediasoup');
} catch (error) {
	console.error(`mediasoup smoke: FAIL cannot load mediasoup from ${process.cwd()}: ${error.message}`);
	process.exit(1);
}

const timer = setTimeout(() => {
	console.error('mediasoup smoke: FAIL timed out after 30 s');
	process.exit(1);
}, 30_000);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function rtpPacket(seq, timestamp, payload) {
	const header = Buffer.alloc(12);
	header[0] = 0x80; // V=2, no padding/extension/CSRC
	header[1] = PT & 0x7f;
	header.writeUInt16BE(seq & 0xffff, 2);
	header.writeUInt32BE(timestamp >>> 0, 4);
	header.writeUInt32BE(SSRC, 8);
	return Buffer.concat([header, payload]);
}

async function main() {
	const worker = await mediasoup.createWorker({ logLevel: 'warn' });
	worker.on('died', (error) => {
		console.error(`mediasoup smoke: FAIL worker died: ${error}`);
		process.exit(1);
	});

	const mediaCodecs = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }];
	const router1 = await worker.createRouter({ mediaCodecs });
	const router2 = await worker.createRouter({ mediaCodecs });
	const listenInfo = { protocol: 'udp', ip: '127.0.0.1' };

	// Producer side: plain RTP in, remote address learnt from the first packet.
	const sendTransport = await router1.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
	const producer = await sendTransport.produce({
		kind: 'audio',
		rtpParameters: {
			codecs: [{ mimeType: 'audio/opus', payloadType: PT, clockRate: 48000, channels: 2 }],
			encodings: [{ ssrc: SSRC }],
		},
	});

	// Pipe into router2 over an SRTP-protected PipeTransport pair.
	const pipeTransports = [];
	for (const router of [router1, router2]) {
		router.observer.on('newtransport', (transport) => {
			if (transport.type === 'pipe') pipeTransports.push(transport);
		});
	}
	const { pipeProducer } = await router1.pipeToRouter({
		producerId: producer.id,
		router: router2,
		keepId: false,
		enableSrtp: true,
		listenInfo,
	});

	// Consumer side: plain RTP out to our receiving socket.
	const recvSocket = dgram.createSocket('udp4');
	recvSocket.bind(0, '127.0.0.1');
	await once(recvSocket, 'listening');
	const recvTransport = await router2.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
	await recvTransport.connect({ ip: '127.0.0.1', port: recvSocket.address().port });
	const consumer = await recvTransport.consume({
		producerId: pipeProducer.id,
		rtpCapabilities: router2.rtpCapabilities,
	});
	const outPt = consumer.rtpParameters.codecs[0].payloadType;

	const sentPayloads = new Set();
	let received = 0;
	let corrupted = 0;
	recvSocket.on('message', (msg) => {
		if (msg.length < 12 || msg[0] >> 6 !== 2 || (msg[1] & 0x7f) !== outPt) return; // not our RTP (e.g. RTCP)
		const cc = msg[0] & 0x0f;
		let offset = 12 + 4 * cc;
		if (msg[0] & 0x10) offset += 4 + 4 * msg.readUInt16BE(offset + 2); // header extension
		const payload = msg.subarray(offset).toString('hex');
		if (sentPayloads.has(payload)) received++;
		else corrupted++;
	});

	// Send real RTP: 20 ms Opus-sized frames (TOC byte + pseudo-random body).
	const sendSocket = dgram.createSocket('udp4');
	const target = sendTransport.tuple.localPort;
	for (let i = 0; i < PACKETS; i++) {
		const payload = Buffer.alloc(80);
		payload[0] = 0xfc; // Opus TOC: config 31, stereo=0, code 0
		for (let j = 1; j < payload.length; j++) payload[j] = (i * 31 + j * 7) & 0xff;
		sentPayloads.add(payload.toString('hex'));
		sendSocket.send(rtpPacket(1000 + i, 960 * i, payload), target, '127.0.0.1');
		await sleep(20);
	}
	await sleep(700);

	// Both pipe ends must have SRTP keys and must have carried the media.
	let pipeBytesReceived = 0;
	for (const transport of pipeTransports) {
		if (!transport.srtpParameters) throw new Error('a pipe transport has no SRTP parameters');
		const [transportStats] = await transport.getStats();
		pipeBytesReceived += transportStats.bytesReceived;
	}
	if (pipeTransports.length !== 2) throw new Error(`expected 2 pipe transports, saw ${pipeTransports.length}`);
	const stats = await consumer.getStats();
	const outbound = stats.find((s) => s.type === 'outbound-rtp');
	const producerStats = await producer.getStats();
	const inbound = producerStats.find((s) => s.type === 'inbound-rtp');

	sendSocket.close();
	recvSocket.close();
	worker.close();
	clearTimeout(timer);

	const detail =
		`sent=${PACKETS} received=${received} corrupted=${corrupted} srtpPipeBytesIn=${pipeBytesReceived} ` +
		`producer.packetCount=${inbound?.packetCount ?? '?'} consumer.packetCount=${outbound?.packetCount ?? '?'}`;
	if (received >= MIN_RECEIVED && corrupted === 0) {
		console.log(`mediasoup smoke: ok packets=${received} (${detail})`);
		return 0;
	}
	console.error(`mediasoup smoke: FAIL (${detail})`);
	return 1;
}

main().then(
	(code) => process.exit(code),
	(error) => {
		console.error(`mediasoup smoke: FAIL ${error?.stack ?? error}`);
		process.exit(1);
	},
);
