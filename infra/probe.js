#!/usr/bin/env node
// Readiness probe for the local infrastructure, with no dependency beyond Node itself
// (it must work before `npm ci` and from any checkout).
//
//   node infra/probe.js kafka 127.0.0.1:9092 [--wait SECONDS]
//   node infra/probe.js mongo 127.0.0.1:27017 [--wait SECONDS]
//
// kafka: opens a TCP connection and sends a real Metadata request (API key 3, v4),
//        succeeds when the broker answers with itself in the broker list.
// mongo: opens a TCP connection and sends OP_MSG {ping: 1} then {buildInfo: 1} to
//        the admin database, succeeds when ping answers ok: 1.
//
// Without --wait it tries once (3 s timeout). With --wait it retries every 500 ms until
// the deadline. Prints one line describing what answered; exit code 0 = up, 1 = down.
'use strict';

const net = require('node:net');

function parseArgs(argv) {
  const [kind, address, ...rest] = argv;
  let wait = 0;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--wait') wait = Number(rest[++i]);
    else throw new Error(`unknown argument ${rest[i]}`);
  }
  if (!['kafka', 'mongo'].includes(kind) || !address) {
    throw new Error('usage: probe.js kafka|mongo HOST:PORT [--wait SECONDS]');
  }
  const idx = address.lastIndexOf(':');
  return { kind, host: address.slice(0, idx), port: Number(address.slice(idx + 1)), wait };
}

/** Sends `frames` (one Buffer per request) and resolves with one framed response per request. */
function exchange(host, port, frames, readFrameLength, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host, port });
    let buffered = Buffer.alloc(0);
    const responses = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (err) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(responses);
    };
    socket.on('error', finish);
    socket.on('close', () => {
      if (responses.length < frames.length) finish(new Error('connection closed before the answer'));
    });
    socket.on('connect', () => {
      socket.write(frames[0]);
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const total = readFrameLength(buffered);
        if (buffered.length < total) return;
        responses.push(buffered.subarray(0, total));
        buffered = buffered.subarray(total);
        if (responses.length === frames.length) return finish();
        socket.write(frames[responses.length]);
      }
    });
  });
}

// ---------------------------------------------------------------- Kafka

function kafkaString(s) {
  const bytes = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function kafkaMetadataRequest(correlationId) {
  // Request header v1: api_key, api_version, correlation_id, client_id.
  const header = Buffer.alloc(8);
  header.writeInt16BE(3, 0); // Metadata
  header.writeInt16BE(4, 2); // v4: supported by Kafka 1.0 through 4.x
  header.writeInt32BE(correlationId, 4);
  // Body v4: topics = [] (no topic, brokers only), allow_auto_topic_creation = false.
  const body = Buffer.from([0, 0, 0, 0, 0]);
  const payload = Buffer.concat([header, kafkaString('rapport-infra-probe'), body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

function parseKafkaMetadata(frame, correlationId) {
  let off = 4;
  const readInt32 = () => {
    const v = frame.readInt32BE(off);
    off += 4;
    return v;
  };
  const readString = () => {
    const len = frame.readInt16BE(off);
    off += 2;
    if (len < 0) return null;
    const s = frame.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  if (readInt32() !== correlationId) throw new Error('unexpected correlation id');
  readInt32(); // throttle_time_ms
  const brokers = [];
  for (let n = readInt32(); n > 0; n--) {
    const nodeId = readInt32();
    const host = readString();
    const port = readInt32();
    readString(); // rack
    brokers.push({ nodeId, host, port });
  }
  const clusterId = readString();
  const controllerId = readInt32();
  return { brokers, clusterId, controllerId };
}

async function probeKafka(host, port) {
  const correlationId = 7;
  const [frame] = await exchange(
    host,
    port,
    [kafkaMetadataRequest(correlationId)],
    (b) => 4 + b.readInt32BE(0),
    3000,
  );
  const md = parseKafkaMetadata(frame, correlationId);
  if (md.brokers.length === 0) throw new Error('metadata answer lists no broker yet');
  const brokers = md.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',');
  return `Kafka answers a Metadata request at ${host}:${port}: cluster ${md.clusterId}, brokers ${brokers}, controller ${md.controllerId}`;
}

// ---------------------------------------------------------------- MongoDB wire protocol

function bsonDocument(fields) {
  const parts = [];
  for (const [name, value] of Object.entries(fields)) {
    const key = Buffer.from(`${name}\0`, 'utf8');
    if (typeof value === 'number') {
      const v = Buffer.alloc(4);
      v.writeInt32LE(value);
      parts.push(Buffer.from([0x10]), key, v);
    } else {
      const s = Buffer.from(`${value}\0`, 'utf8');
      const len = Buffer.alloc(4);
      len.writeInt32LE(s.length);
      parts.push(Buffer.from([0x02]), key, len, s);
    }
  }
  const body = Buffer.concat([...parts, Buffer.from([0])]);
  const len = Buffer.alloc(4);
  len.writeInt32LE(body.length + 4);
  return Buffer.concat([len, body]);
}

/** Top-level fields of a BSON document: numbers, strings and booleans; stops at other types. */
function bsonTopLevel(buf) {
  const out = {};
  let off = 4;
  const end = buf.readInt32LE(0) - 1;
  while (off < end) {
    const type = buf[off++];
    const nameEnd = buf.indexOf(0, off);
    const name = buf.toString('utf8', off, nameEnd);
    off = nameEnd + 1;
    switch (type) {
      case 0x01:
        out[name] = buf.readDoubleLE(off);
        off += 8;
        break;
      case 0x02: {
        const len = buf.readInt32LE(off);
        out[name] = buf.toString('utf8', off + 4, off + 4 + len - 1);
        off += 4 + len;
        break;
      }
      case 0x03:
      case 0x04:
        off += buf.readInt32LE(off);
        break;
      case 0x08:
        out[name] = buf[off] === 1;
        off += 1;
        break;
      case 0x0a:
        out[name] = null;
        break;
      case 0x10:
        out[name] = buf.readInt32LE(off);
        off += 4;
        break;
      case 0x09:
      case 0x11:
      case 0x12:
        out[name] = Number(buf.readBigInt64LE(off));
        off += 8;
        break;
      default:
        return out;
    }
  }
  return out;
}

function opMsg(requestId, fields) {
  const doc = bsonDocument(fields);
  const header = Buffer.alloc(16 + 4 + 1);
  header.writeInt32LE(header.length + doc.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8); // responseTo
  header.writeInt32LE(2013, 12); // OP_MSG
  header.writeUInt32LE(0, 16); // flagBits
  header[20] = 0; // section kind 0: body
  return Buffer.concat([header, doc]);
}

function parseOpMsgReply(frame) {
  if (frame.readInt32LE(12) !== 2013) throw new Error(`unexpected opCode ${frame.readInt32LE(12)}`);
  if (frame[20] !== 0) throw new Error('unexpected OP_MSG section kind');
  return bsonTopLevel(frame.subarray(21));
}

async function probeMongo(host, port) {
  const [pingFrame, infoFrame] = await exchange(
    host,
    port,
    [opMsg(1, { ping: 1, $db: 'admin' }), opMsg(2, { buildInfo: 1, $db: 'admin' })],
    (b) => b.readInt32LE(0),
    3000,
  );
  const ping = parseOpMsgReply(pingFrame);
  if (ping.ok !== 1) throw new Error(`ping answered ok: ${ping.ok} ${ping.errmsg ?? ''}`);
  const info = parseOpMsgReply(infoFrame);
  return `MongoDB wire protocol answers ping at ${host}:${port} (reports version ${info.version ?? 'unknown'})`;
}

// ---------------------------------------------------------------- main

async function main() {
  const { kind, host, port, wait } = parseArgs(process.argv.slice(2));
  const probe = kind === 'kafka' ? probeKafka : probeMongo;
  const deadline = Date.now() + wait * 1000;
  for (;;) {
    try {
      console.log(await probe(host, port));
      return 0;
    } catch (err) {
      if (Date.now() >= deadline) {
        console.error(`${kind} at ${host}:${port} does not answer: ${err.message}`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.message);
    process.exit(2);
  },
);
