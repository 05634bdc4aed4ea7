// An in-process stand-in for an EventStoreDB node that speaks the server's
// gRPC wire protocol, built on the service definitions that ship inside
// @eventstore/db-client. The real client connects to it unchanged
// (`esdb://127.0.0.1:<port>?tls=false`), so the ESDB adapter can be tested
// where no EventStoreDB can be installed. It follows the server's source
// (KurrentDB, src/KurrentDB.Core/Services/Transport/Grpc) for message and error
// shapes; docs/eventstoredb.md lists its scope and where it differs from a
// real node. It is a test double: one in-memory log, no durability, no auth.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { GossipService, type IGossipServer } from '@eventstore/db-client/generated/gossip_grpc_pb';
import * as gossipPb from '@eventstore/db-client/generated/gossip_pb';
import { ServerFeaturesService, type IServerFeaturesServer } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import * as featuresPb from '@eventstore/db-client/generated/serverfeatures_pb';
import * as sharedPb from '@eventstore/db-client/generated/shared_pb';
import * as statusPb from '@eventstore/db-client/generated/status_pb';
import { StreamsService, type IStreamsServer } from '@eventstore/db-client/generated/streams_grpc_pb';
import * as streamsPb from '@eventstore/db-client/generated/streams_pb';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as ProtoEmpty } from 'google-protobuf/google/protobuf/empty_pb';

// ---- the log ----------------------------------------------------------------

/** One event record of the in-memory transaction log. */
export interface WireLogRecord {
  /** Byte offset of the record in the log; commit and prepare position alike (every record commits itself). */
  readonly logPosition: number;
  /** Byte offset just after the record. */
  readonly postPosition: number;
  readonly streamId: string;
  /** The event number (stream revision). Tampering may change it. */
  eventNumber: number;
  /** Lower-case canonical UUID. */
  readonly eventId: string;
  readonly eventType: string;
  readonly isJson: boolean;
  data: Uint8Array;
  metadata: Uint8Array;
  /** Server time the record was written, in ms since the epoch. */
  readonly createdMs: number;
}

/** What a write proposes for one event. */
interface ProposedEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly isJson: boolean;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

/** ESDB's expected versions: n ≥ 0 exact, and the named negative ones of ExpectedVersion. */
const EXPECTED_ANY = -2;
const EXPECTED_NO_STREAM = -1;
const EXPECTED_STREAM_EXISTS = -4;

type WriteOutcome =
  | { readonly kind: 'written' | 'idempotent'; readonly lastEventNumber: number; readonly lastPosition: number | undefined }
  | { readonly kind: 'wrong_expected_version'; readonly actualVersion: number };

/** Fixed part of a record's size on disk; the rest is its strings and payloads. */
const RECORD_OVERHEAD_BYTES = 96;

/**
 * The transaction log and stream index of the test server. Every write is a
 * single-stream implicit transaction whose records commit themselves, as on
 * EventStoreDB ≥ 20.x: each event's commit and prepare positions are its own
 * byte offset. Exposed for tampering and diagnostics.
 */
export class WireTransactionLog {
  private readonly all: WireLogRecord[] = [];
  private readonly streams = new Map<string, WireLogRecord[]>();
  private nextPosition = 0;
  private readonly listeners = new Set<(records: readonly WireLogRecord[]) => void>();

  constructor(private readonly clock: () => Date) {}

  /** Every record in log order. */
  records(): readonly WireLogRecord[] {
    return this.all;
  }

  /** A stream's records in event-number order (an empty array for an unknown stream). */
  stream(streamId: string): readonly WireLogRecord[] {
    return this.streams.get(streamId) ?? [];
  }

  /** The last event number of a stream, -1 when it has none. */
  lastEventNumber(streamId: string): number {
    const records = this.streams.get(streamId);
    return records && records.length > 0 ? records[records.length - 1].eventNumber : -1;
  }

  /** Byte offset where the next record will start. */
  endPosition(): number {
    return this.nextPosition;
  }

  /** The commit check and write of ClientMessage.WriteEvents for one stream, idempotence included. */
  write(streamId: string, expectedVersion: number, events: readonly ProposedEvent[]): WriteOutcome {
    const current = this.lastEventNumber(streamId);
    const records = this.stream(streamId);

    // A retried write whose events are already in place at the position it
    // names is acknowledged without writing again; a partial match is a conflict.
    const idempotence = (from: number): WriteOutcome | undefined => {
      if (events.length === 0) return undefined;
      const found = records.filter((r) => r.eventNumber >= from && r.eventNumber < from + events.length);
      if (found.length === 0 || found[0].eventId !== events[0].eventId) return undefined;
      const all = found.length === events.length && found.every((r, i) => r.eventId === events[i].eventId && r.eventNumber === from + i);
      if (!all) return { kind: 'wrong_expected_version', actualVersion: current };
      const last = found[found.length - 1];
      return { kind: 'idempotent', lastEventNumber: last.eventNumber, lastPosition: last.logPosition };
    };

    if (expectedVersion === EXPECTED_ANY) {
      const first = events.length > 0 ? records.find((r) => r.eventId === events[0].eventId) : undefined;
      const repeated = first && idempotence(first.eventNumber);
      if (repeated) return repeated;
    } else if (expectedVersion === EXPECTED_STREAM_EXISTS) {
      if (current === -1) return { kind: 'wrong_expected_version', actualVersion: current };
    } else if (expectedVersion !== current) {
      // NO_STREAM is expected version -1, so it checks against the start the same way.
      if (current > expectedVersion) return idempotence(expectedVersion + 1) ?? { kind: 'wrong_expected_version', actualVersion: current };
      return { kind: 'wrong_expected_version', actualVersion: current };
    }

    if (events.length === 0) return { kind: 'written', lastEventNumber: current, lastPosition: undefined };
    const createdMs = this.clock().getTime();
    const written: WireLogRecord[] = events.map((event, offset) => {
      const size =
        RECORD_OVERHEAD_BYTES + Buffer.byteLength(streamId) + Buffer.byteLength(event.eventType) + event.data.length + event.metadata.length;
      const logPosition = this.nextPosition;
      this.nextPosition += size;
      return { ...event, streamId, eventNumber: current + 1 + offset, logPosition, postPosition: this.nextPosition, createdMs };
    });
    this.all.push(...written);
    this.streams.set(streamId, [...records, ...written]);
    for (const listener of [...this.listeners]) listener(written);
    const last = written[written.length - 1];
    return { kind: 'written', lastEventNumber: last.eventNumber, lastPosition: last.logPosition };
  }

  /** Called with every batch of records written from now on, until the returned function is called. */
  onWrite(listener: (records: readonly WireLogRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- tampering: rewriting history behind the server's back ----------------

  /** The record holding `eventNumber` in `streamId`; throws when there is none. */
  find(streamId: string, eventNumber: number): WireLogRecord {
    const record = this.stream(streamId).find((r) => r.eventNumber === eventNumber);
    if (!record) throw new Error(`tamper: no event at ${streamId}@${eventNumber}`);
    return record;
  }

  /** Removes one record from the log and its stream; the others keep their event numbers. */
  remove(streamId: string, eventNumber: number): void {
    const record = this.find(streamId, eventNumber);
    this.all.splice(this.all.indexOf(record), 1);
    this.streams.set(
      streamId,
      this.stream(streamId).filter((r) => r !== record),
    );
  }

  /** Exchanges the event numbers of two records of a stream (the index now points each number at the other record). */
  swapEventNumbers(streamId: string, a: number, b: number): void {
    const first = this.find(streamId, a);
    const second = this.find(streamId, b);
    first.eventNumber = b;
    second.eventNumber = a;
    this.streams.set(
      streamId,
      [...this.stream(streamId)].sort((x, y) => x.eventNumber - y.eventNumber),
    );
  }
}

// ---- the server -------------------------------------------------------------

export interface EsdbWireTestServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Reported by ServerFeatures. Default '24.10.0'. */
  readonly serverVersion?: string;
  /**
   * Whether Streams.BatchAppend exists and is advertised. With it (default,
   * as on every server since 21.10) the client appends through BatchAppend;
   * without it, through the older Streams.Append.
   */
  readonly batchAppend?: boolean;
  /** Largest total size of one append, bytes. Default 1 MiB, the servers' MaxAppendSize default before KurrentDB 25.1. */
  readonly maxAppendSize?: number;
  /** Source of the records' `created` time. Default the system clock. */
  readonly clock?: () => Date;
  /** Writes a system event first, as a real log never starts empty. Default true. */
  readonly seedSystemEvents?: boolean;
  /**
   * Whether events read from a stream (not from $all) carry their $all
   * position, as since 22.10. False answers like 20.x and 21.x servers: no
   * position (2^64 - 1). Default true.
   */
  readonly positionsOnStreamReads?: boolean;
}

/** Considered events between two checkpoints of a filtered subscription, per unit of the client's multiplier (DefaultReadBatchSize). */
const CHECKPOINT_WINDOW = 32;
const REQUIRED_METADATA = ['type', 'content-type'];
const CONTENT_TYPE_JSON = 'application/json';
const CONTENT_TYPE_BINARY = 'application/octet-stream';
const TICKS_PER_MS = 10_000n;
/** Position.FromInt64(-1): what the server sends where it knows no position. */
const NO_POSITION = ((1n << 64n) - 1n).toString();
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The server's exceptions: status, details and the `exception` trailer the client maps to its error classes. */
class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    readonly trailers: Record<string, string> = {},
  ) {
    super(details);
  }

  toServiceError(): Partial<grpc.ServiceError> {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(this.trailers)) metadata.set(key, value);
    return { code: this.code, details: this.details, metadata };
  }
}

/** What an unexpected exception inside a handler becomes on an ASP.NET Core gRPC server. */
const HANDLER_EXCEPTION = () => new RpcError(grpc.status.UNKNOWN, 'Exception was thrown by handler.');

export class EsdbWireTestServer {
  readonly log: WireTransactionLog;
  /** How often each method was called, by `Service/Method`. */
  readonly calls = new Map<string, number>();
  private readonly server = new grpc.Server();
  private boundPort = 0;
  private stopped = false;
  private readonly serverVersion: string;
  private readonly batchAppend: boolean;
  private readonly maxAppendSize: number;

  private constructor(private readonly options: EsdbWireTestServerOptions) {
    this.log = new WireTransactionLog(options.clock ?? (() => new Date()));
    this.serverVersion = options.serverVersion ?? '24.10.0';
    this.batchAppend = options.batchAppend ?? true;
    this.maxAppendSize = options.maxAppendSize ?? 1024 * 1024;
    if (options.seedSystemEvents ?? true) {
      const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));
      this.log.write('$settings', EXPECTED_ANY, [
        { eventId: randomUUID(), eventType: '$settings', isJson: true, data: json({ $userStreamAcl: {}, $systemStreamAcl: {} }), metadata: new Uint8Array() },
      ]);
    }
  }

  /** Starts a server on a free loopback port (or the given one). */
  static async start(options: EsdbWireTestServerOptions = {}): Promise<EsdbWireTestServer> {
    const instance = new EsdbWireTestServer(options);
    await instance.listen();
    return instance;
  }

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** A connection string for the real client: single node, no TLS, so no gossip discovery. */
  get connectionString(): string {
    return `esdb://${this.host}:${this.boundPort}?tls=false`;
  }

  /** Stops at once: open subscriptions and batch-append streams end with UNAVAILABLE on the client, as when a node goes down. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.server.forceShutdown();
  }

  private async listen(): Promise<void> {
    const streams: IStreamsServer = {
      read: (call) => this.track('Streams/Read', () => this.read(call)),
      append: (call, callback) => this.track('Streams/Append', () => this.append(call, callback)),
      delete: (call, callback) => this.track('Streams/Delete', () => callback(unimplemented('Delete'))),
      tombstone: (call, callback) => this.track('Streams/Tombstone', () => callback(unimplemented('Tombstone'))),
      batchAppend: (call) =>
        this.track('Streams/BatchAppend', () => {
          if (!this.batchAppend) {
            call.emit('error', unimplemented('BatchAppend'));
            return;
          }
          this.batchAppendCall(call);
        }),
    };
    const features: IServerFeaturesServer = {
      getSupportedMethods: (_call, callback) => this.track('ServerFeatures/GetSupportedMethods', () => callback(null, this.supportedMethods())),
    };
    const gossip: IGossipServer = {
      read: (_call, callback) => this.track('Gossip/Read', () => callback(null, this.clusterInfo())),
    };
    this.server.addService(StreamsService, streams);
    this.server.addService(ServerFeaturesService, features);
    this.server.addService(GossipService, gossip);
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${this.host}:${this.options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
  }

  private track(method: string, handle: () => void): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    handle();
  }

  // ---- ServerFeatures and Gossip ----------------------------------------------

  /** Lower-cased names and the features a real node attaches (KurrentDB ServerFeatures.cs). */
  private supportedMethods(): featuresPb.SupportedMethods {
    const method = (service: string, name: string, features: string[] = []) =>
      new featuresPb.SupportedMethod().setServiceName(service.toLowerCase()).setMethodName(name.toLowerCase()).setFeaturesList(features);
    const streams = 'event_store.client.streams.Streams';
    const methods = [
      method(streams, 'Read', ['position', 'events']),
      method(streams, 'Append'),
      ...(this.batchAppend ? [method(streams, 'BatchAppend', ['deadline_duration'])] : []),
      method('event_store.client.server_features.ServerFeatures', 'GetSupportedMethods'),
      method('event_store.client.gossip.Gossip', 'Read'),
    ];
    return new featuresPb.SupportedMethods().setEventStoreServerVersion(this.serverVersion).setMethodsList(methods);
  }

  /** A one-node cluster whose leader is this server, for `esdb+discover://` connection strings. */
  private clusterInfo(): gossipPb.ClusterInfo {
    const member = new gossipPb.MemberInfo()
      .setInstanceId(new sharedPb.UUID().setString(INSTANCE_ID))
      .setTimeStamp(String(BigInt(Date.now()) * TICKS_PER_MS))
      .setState(gossipPb.MemberInfo.VNodeState.LEADER)
      .setIsAlive(true)
      .setHttpEndPoint(new gossipPb.EndPoint().setAddress(this.host).setPort(this.boundPort));
    return new gossipPb.ClusterInfo().setMembersList([member]);
  }

  // ---- Streams.Append ---------------------------------------------------------

  private append(
    call: grpc.ServerReadableStream<streamsPb.AppendReq, streamsPb.AppendResp>,
    callback: grpc.sendUnaryData<streamsPb.AppendResp>,
  ): void {
    let options: streamsPb.AppendReq.Options | undefined;
    const events: ProposedEvent[] = [];
    let size = 0;
    let failed: RpcError | undefined;
    call.on('data', (request: streamsPb.AppendReq) => {
      if (failed) return;
      try {
        if (!options) {
          // The first message must carry the options, every later one a proposed message.
          if (request.getContentCase() !== streamsPb.AppendReq.ContentCase.OPTIONS) throw HANDLER_EXCEPTION();
          options = request.getOptions();
          return;
        }
        if (request.getContentCase() !== streamsPb.AppendReq.ContentCase.PROPOSED_MESSAGE) throw HANDLER_EXCEPTION();
        const event = proposedEvent(request.getProposedMessage()!);
        size += eventSize(event);
        if (size > this.maxAppendSize) {
          throw new RpcError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${this.maxAppendSize} Exceeded.`, {
            exception: 'maximum-append-size-exceeded',
            'maximum-append-size': String(this.maxAppendSize),
          });
        }
        events.push(event);
      } catch (error) {
        failed = asRpcError(error);
      }
    });
    call.on('error', () => undefined);
    call.on('end', () => {
      if (failed) return callback(failed.toServiceError());
      if (!options) return callback(HANDLER_EXCEPTION().toServiceError());
      try {
        const streamId = streamName(options.getStreamIdentifier());
        const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
        const revisionCase = options.getExpectedStreamRevisionCase();
        const expected =
          revisionCase === Case.REVISION
            ? revisionFromWire(options.getRevision())
            : revisionCase === Case.ANY
              ? EXPECTED_ANY
              : revisionCase === Case.STREAM_EXISTS
                ? EXPECTED_STREAM_EXISTS
                : revisionCase === Case.NO_STREAM
                  ? EXPECTED_NO_STREAM
                  : invalidArgument(`'ExpectedStreamRevision' ${revisionCase} is not supported`);
        const outcome = this.log.write(streamId, expected, events);
        const response = new streamsPb.AppendResp();
        if (outcome.kind === 'wrong_expected_version') {
          // Both the current fields and the 20.6.0 ones, as Streams.Append.cs fills them.
          const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
          if (revisionCase === Case.ANY) wrong.setExpectedAny(new sharedPb.Empty()).setAny2060(new sharedPb.Empty());
          else if (revisionCase === Case.STREAM_EXISTS) wrong.setExpectedStreamExists(new sharedPb.Empty()).setStreamExists2060(new sharedPb.Empty());
          // The server also puts ulong.MaxValue in expected_revision_2060 here; a JS number cannot carry it, and clients ignore the 2060 fields.
          else if (revisionCase === Case.NO_STREAM) wrong.setExpectedNoStream(new sharedPb.Empty());
          else wrong.setExpectedRevision(String(expected)).setExpectedRevision2060(expected);
          if (outcome.actualVersion === -1) wrong.setCurrentNoStream(new sharedPb.Empty()).setNoStream2060(new sharedPb.Empty());
          else wrong.setCurrentRevision(String(outcome.actualVersion)).setCurrentRevision2060(outcome.actualVersion);
          response.setWrongExpectedVersion(wrong);
        } else {
          const success = new streamsPb.AppendResp.Success();
          if (outcome.lastEventNumber === -1) success.setNoStream(new sharedPb.Empty());
          else success.setCurrentRevision(String(outcome.lastEventNumber));
          if (outcome.lastPosition === undefined) success.setNoPosition(new sharedPb.Empty());
          else
            success.setPosition(
              new streamsPb.AppendResp.Position().setCommitPosition(String(outcome.lastPosition)).setPreparePosition(String(outcome.lastPosition)),
            );
          response.setSuccess(success);
        }
        callback(null, response);
      } catch (error) {
        callback(asRpcError(error).toServiceError());
      }
    });
  }

  // ---- Streams.BatchAppend ----------------------------------------------------

  /**
   * Bidirectional: each write is one or more requests sharing a correlation
   * id, the first with options, the last with is_final; each write gets one
   * response carrying that correlation id. Failures are google.rpc.Status
   * values in the response, never call errors (Streams.BatchAppend.cs).
   */
  private batchAppendCall(call: grpc.ServerDuplexStream<streamsPb.BatchAppendReq, streamsPb.BatchAppendResp>): void {
    const pending = new Map<string, { streamIdentifier: sharedPb.StreamIdentifier; streamId: string; expected: number; events: ProposedEvent[]; size: number }>();
    const respond = (correlationId: sharedPb.UUID | undefined, streamIdentifier: sharedPb.StreamIdentifier | undefined, result: statusPb.Status | streamsPb.BatchAppendResp.Success) => {
      if (call.cancelled || call.destroyed || call.writableEnded) return;
      const response = new streamsPb.BatchAppendResp().setCorrelationId(correlationId).setStreamIdentifier(streamIdentifier);
      if (result instanceof statusPb.Status) response.setError(result);
      else response.setSuccess(result);
      call.write(response);
    };
    call.on('data', (request: streamsPb.BatchAppendReq) => {
      const correlationId = request.getCorrelationId();
      let streamIdentifier = request.getOptions()?.getStreamIdentifier();
      try {
        const key = uuidFromWire(correlationId);
        const options = request.getOptions();
        if (options) {
          if (!options.hasStreamIdentifier()) return respond(correlationId, streamIdentifier, badRequest('Required field StreamIdentifier not set.'));
          if (options.hasDeadline() && options.getDeadline()!.toDate().getTime() <= Date.now()) {
            return respond(correlationId, streamIdentifier, rpcStatus(grpc.status.DEADLINE_EXCEEDED, 'Timeout', 'event_store.client.Timeout', new sharedPb.Timeout()));
          }
          const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
          const positionCase = options.getExpectedStreamPositionCase();
          const expected =
            positionCase === Case.STREAM_POSITION
              ? revisionFromWire(options.getStreamPosition())
              : positionCase === Case.ANY
                ? EXPECTED_ANY
                : positionCase === Case.STREAM_EXISTS
                  ? EXPECTED_STREAM_EXISTS
                  : positionCase === Case.NO_STREAM
                    ? EXPECTED_NO_STREAM
                    : invalidArgument(`'ExpectedStreamPosition' ${positionCase} is not supported`);
          if (!pending.has(key)) {
            pending.set(key, { streamIdentifier: options.getStreamIdentifier()!, streamId: streamName(options.getStreamIdentifier()), expected, events: [], size: 0 });
          }
        }
        const write = pending.get(key);
        if (!write) return;
        streamIdentifier = write.streamIdentifier;
        for (const message of request.getProposedMessagesList()) {
          const event = proposedEvent(message);
          write.size += eventSize(event);
          write.events.push(event);
        }
        if (write.size > this.maxAppendSize) {
          pending.delete(key);
          const details = new sharedPb.MaximumAppendSizeExceeded().setMaxappendsize(this.maxAppendSize);
          return respond(correlationId, streamIdentifier, rpcStatus(grpc.status.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', 'event_store.client.MaximumAppendSizeExceeded', details));
        }
        if (!request.getIsFinal()) return;
        pending.delete(key);
        const outcome = this.log.write(write.streamId, write.expected, write.events);
        if (outcome.kind === 'wrong_expected_version') {
          const details = new sharedPb.WrongExpectedVersion();
          if (outcome.actualVersion === -1) details.setCurrentNoStream(new ProtoEmpty());
          else details.setCurrentStreamRevision(String(outcome.actualVersion));
          if (write.expected === EXPECTED_ANY) details.setExpectedAny(new ProtoEmpty());
          else if (write.expected === EXPECTED_NO_STREAM) details.setExpectedNoStream(new ProtoEmpty());
          else if (write.expected === EXPECTED_STREAM_EXISTS) details.setExpectedStreamExists(new ProtoEmpty());
          else details.setExpectedStreamPosition(String(write.expected));
          return respond(correlationId, streamIdentifier, rpcStatus(grpc.status.ALREADY_EXISTS, 'WrongExpectedVersion', 'event_store.client.WrongExpectedVersion', details));
        }
        const success = new streamsPb.BatchAppendResp.Success();
        if (outcome.lastEventNumber === -1) success.setNoStream(new ProtoEmpty());
        else success.setCurrentRevision(String(outcome.lastEventNumber));
        if (outcome.lastPosition === undefined) success.setNoPosition(new ProtoEmpty());
        else success.setPosition(new sharedPb.AllStreamPosition().setCommitPosition(String(outcome.lastPosition)).setPreparePosition(String(outcome.lastPosition)));
        respond(correlationId, streamIdentifier, success);
      } catch (error) {
        respond(correlationId, streamIdentifier, badRequest(error instanceof Error ? error.message : String(error)));
      }
    });
    const finish = () => pending.clear();
    call.on('end', () => {
      finish();
      if (!call.cancelled && !call.destroyed) call.end();
    });
    call.on('cancelled', finish);
    call.on('error', finish);
  }

  // ---- Streams.Read -----------------------------------------------------------

  private read(call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>): void {
    try {
      const options = call.request.getOptions();
      if (!options) throw HANDLER_EXCEPTION();
      if (!options.hasUuidOption()) throw invalidArgumentError("Required argument 'UUIDOption' not set");
      const structuredIds = options.getUuidOption()!.getContentCase() === streamsPb.ReadReq.Options.UUIDOption.ContentCase.STRUCTURED;
      const { StreamOptionCase, CountOptionCase, FilterOptionCase, ReadDirection } = streamsPb.ReadReq.Options;
      const source = options.getStreamOptionCase();
      const countCase = options.getCountOptionCase();
      const backwards = options.getReadDirection() === ReadDirection.BACKWARDS;
      const filterCase = options.getFilterOptionCase();
      const filter = filterCase === FilterOptionCase.FILTER ? eventFilter(options.getFilter()!) : undefined;
      const send = (response: streamsPb.ReadResp) => {
        if (!call.cancelled && !call.destroyed && !call.writableEnded) call.write(response);
      };
      const withPosition = source === StreamOptionCase.ALL || (this.options.positionsOnStreamReads ?? true);
      const sendRecord = (record: WireLogRecord) => send(new streamsPb.ReadResp().setEvent(readEvent(record, structuredIds, withPosition)));

      if (source === StreamOptionCase.STREAM && countCase === CountOptionCase.COUNT && filterCase === FilterOptionCase.NO_FILTER) {
        this.readStream(options, backwards, sendRecord, send);
        call.end();
      } else if (source === StreamOptionCase.ALL && countCase === CountOptionCase.COUNT && filterCase !== FilterOptionCase.FILTER_OPTION_NOT_SET) {
        this.readAll(options, backwards, filter, sendRecord);
        call.end();
      } else if (source === StreamOptionCase.ALL && countCase === CountOptionCase.SUBSCRIPTION && !backwards && filterCase !== FilterOptionCase.FILTER_OPTION_NOT_SET) {
        this.subscribeToAll(call, options, filter, sendRecord, send);
      } else if (source === StreamOptionCase.STREAM && countCase === CountOptionCase.SUBSCRIPTION && !backwards && filterCase === FilterOptionCase.NO_FILTER) {
        this.subscribeToStream(call, options, sendRecord, send);
      } else {
        throw invalidArgumentError(`The combination of ${JSON.stringify({ source, countCase, backwards, filterCase })} is invalid.`);
      }
    } catch (error) {
      call.emit('error', asRpcError(error).toServiceError());
    }
  }

  private readStream(
    options: streamsPb.ReadReq.Options,
    backwards: boolean,
    sendRecord: (record: WireLogRecord) => void,
    send: (response: streamsPb.ReadResp) => void,
  ): void {
    const streamOptions = options.getStream()!;
    const identifier = streamOptions.getStreamIdentifier();
    const streamId = streamName(identifier);
    const count = countFromWire(options.getCount());
    if (count <= 0) throw HANDLER_EXCEPTION(); // Ensure.Positive(maxCount) in the reader
    const last = this.log.lastEventNumber(streamId);
    if (last === -1) {
      send(new streamsPb.ReadResp().setStreamNotFound(new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(identifier)));
      return;
    }
    const Case = streamsPb.ReadReq.Options.StreamOptions.RevisionOptionCase;
    const revisionCase = streamOptions.getRevisionOptionCase();
    const records = this.log.stream(streamId);
    if (backwards) {
      const from = revisionCase === Case.REVISION ? revisionFromWire(streamOptions.getRevision()) : revisionCase === Case.END ? last : 0;
      records
        .filter((r) => r.eventNumber <= from)
        .reverse()
        .slice(0, count)
        .forEach(sendRecord);
    } else {
      const from = revisionCase === Case.REVISION ? revisionFromWire(streamOptions.getRevision()) : revisionCase === Case.END ? last + 1 : 0;
      records
        .filter((r) => r.eventNumber >= from)
        .slice(0, count)
        .forEach(sendRecord);
    }
  }

  /** Forwards from a position includes the record at it; backwards returns only records that end at or before it (AllReader.cs). */
  private readAll(
    options: streamsPb.ReadReq.Options,
    backwards: boolean,
    filter: ((record: WireLogRecord) => boolean) | undefined,
    sendRecord: (record: WireLogRecord) => void,
  ): void {
    const count = countFromWire(options.getCount());
    if (count <= 0) throw HANDLER_EXCEPTION();
    const allOptions = options.getAll()!;
    const Case = streamsPb.ReadReq.Options.AllOptions.AllOptionCase;
    const end = this.log.endPosition();
    const from =
      allOptions.getAllOptionCase() === Case.POSITION
        ? positionFromWire(allOptions.getPosition()!)
        : allOptions.getAllOptionCase() === Case.END
          ? { commit: end, prepare: end }
          : { commit: 0, prepare: 0 };
    const records = backwards
      ? [...this.log.records()].reverse().filter((r) => comparePositions({ commit: r.postPosition, prepare: r.postPosition }, from) <= 0)
      : this.log.records().filter((r) => comparePositions({ commit: r.logPosition, prepare: r.logPosition }, from) >= 0);
    records
      .filter((r) => !filter || filter(r))
      .slice(0, count)
      .forEach(sendRecord);
  }

  /**
   * Confirmation, then the events after the start position (exclusive), a
   * checkpoint and CaughtUp, then live events. Filtered subscriptions also get
   * a checkpoint every `multiplier × 32` considered events
   * (Enumerator.AllSubscriptionFiltered.cs).
   */
  private subscribeToAll(
    call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>,
    options: streamsPb.ReadReq.Options,
    filter: ((record: WireLogRecord) => boolean) | undefined,
    sendRecord: (record: WireLogRecord) => void,
    send: (response: streamsPb.ReadResp) => void,
  ): void {
    const allOptions = options.getAll()!;
    const Case = streamsPb.ReadReq.Options.AllOptions.AllOptionCase;
    let checkpoint: Position | undefined =
      allOptions.getAllOptionCase() === Case.POSITION
        ? positionFromWire(allOptions.getPosition()!)
        : allOptions.getAllOptionCase() === Case.END
          ? lastRecordPosition(this.log)
          : undefined;
    const filterOptions = options.getFilter();
    const window = filterOptions?.getWindowCase() === streamsPb.ReadReq.Options.FilterOptions.WindowCase.MAX ? filterOptions.getMax() : CHECKPOINT_WINDOW;
    const interval = filter ? Math.max(1, filterOptions!.getCheckpointintervalmultiplier()) * window : Number.POSITIVE_INFINITY;
    let considered = 0;
    const sendCheckpoint = (position: Position) =>
      send(new streamsPb.ReadResp().setCheckpoint(new streamsPb.ReadResp.Checkpoint().setCommitPosition(String(position.commit)).setPreparePosition(String(position.prepare))));
    const deliver = (records: readonly WireLogRecord[]) => {
      for (const record of records) {
        const position = { commit: record.logPosition, prepare: record.logPosition };
        if (checkpoint && comparePositions(position, checkpoint) <= 0) continue;
        checkpoint = position;
        considered += 1;
        if (!filter || filter(record)) sendRecord(record);
        if (considered >= interval) {
          considered = 0;
          sendCheckpoint(position);
        }
      }
    };

    send(new streamsPb.ReadResp().setConfirmation(new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    deliver(this.log.records());
    if (filter && checkpoint) sendCheckpoint(checkpoint);
    send(new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp()));
    this.goLive(call, deliver);
  }

  private subscribeToStream(
    call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>,
    options: streamsPb.ReadReq.Options,
    sendRecord: (record: WireLogRecord) => void,
    send: (response: streamsPb.ReadResp) => void,
  ): void {
    const streamOptions = options.getStream()!;
    const streamId = streamName(streamOptions.getStreamIdentifier());
    const Case = streamsPb.ReadReq.Options.StreamOptions.RevisionOptionCase;
    let last =
      streamOptions.getRevisionOptionCase() === Case.REVISION
        ? revisionFromWire(streamOptions.getRevision())
        : streamOptions.getRevisionOptionCase() === Case.END
          ? this.log.lastEventNumber(streamId)
          : -1;
    const deliver = (records: readonly WireLogRecord[]) => {
      for (const record of records) {
        if (record.streamId !== streamId || record.eventNumber <= last) continue;
        last = record.eventNumber;
        sendRecord(record);
      }
    };
    send(new streamsPb.ReadResp().setConfirmation(new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    deliver(this.log.stream(streamId));
    send(new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp()));
    this.goLive(call, deliver);
  }

  private goLive(call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>, deliver: (records: readonly WireLogRecord[]) => void): void {
    const unsubscribe = this.log.onWrite(deliver);
    call.on('cancelled', unsubscribe);
    call.on('close', unsubscribe);
    call.on('error', unsubscribe);
  }
}

const INSTANCE_ID = randomUUID();

// ---- wire helpers -------------------------------------------------------------

interface Position {
  readonly commit: number;
  readonly prepare: number;
}

function comparePositions(a: Position, b: Position): number {
  return a.commit !== b.commit ? a.commit - b.commit : a.prepare - b.prepare;
}

function lastRecordPosition(log: WireTransactionLog): Position | undefined {
  const records = log.records();
  const last = records[records.length - 1];
  return last && { commit: last.logPosition, prepare: last.logPosition };
}

function unimplemented(method: string): Partial<grpc.ServiceError> {
  return { code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by the test server` };
}

function invalidArgumentError(details: string): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, details);
}

function invalidArgument(details: string): never {
  throw invalidArgumentError(details);
}

function asRpcError(error: unknown): RpcError {
  return error instanceof RpcError ? error : HANDLER_EXCEPTION();
}

/** A google.rpc.Status whose details pack `message` under `typeName`, as the server's Status helpers build them. */
function rpcStatus(code: grpc.status, message: string, typeName: string, details: { serializeBinary(): Uint8Array }): statusPb.Status {
  const any = new Any();
  any.pack(details.serializeBinary(), typeName);
  return new statusPb.Status().setCode(code as number).setMessage(message).setDetails(any);
}

function badRequest(message: string): statusPb.Status {
  return rpcStatus(grpc.status.INVALID_ARGUMENT, 'BadRequest', 'event_store.client.BadRequest', new sharedPb.BadRequest().setMessage(message));
}

function streamName(identifier: sharedPb.StreamIdentifier | undefined): string {
  if (!identifier) throw HANDLER_EXCEPTION();
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

/** uint64 revisions arrive as decimal strings. */
function revisionFromWire(value: string): number {
  const revision = BigInt(value);
  if (revision > BigInt(Number.MAX_SAFE_INTEGER)) throw HANDLER_EXCEPTION();
  return Number(revision);
}

function countFromWire(value: string): number {
  const count = BigInt(value);
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
}

/** Positions beyond 2^53 (the client's `end` sentinel is 2^64-1) clamp to MAX_SAFE_INTEGER. */
function positionFromWire(position: streamsPb.ReadReq.Options.Position): Position {
  const clamp = (value: string) => {
    const n = BigInt(value);
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  };
  return { commit: clamp(position.getCommitPosition()), prepare: clamp(position.getPreparePosition()) };
}

/** Uuid.FromDto: the string form in any case, or the structured one; stored lower-case like a .NET Guid prints. */
function uuidFromWire(uuid: sharedPb.UUID | undefined): string {
  if (!uuid) throw HANDLER_EXCEPTION();
  if (uuid.getValueCase() === sharedPb.UUID.ValueCase.STRUCTURED) {
    const structured = uuid.getStructured()!;
    const buffer = Buffer.alloc(16);
    buffer.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
    buffer.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
    const hex = buffer.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  const text = uuid.getString().trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();
  if (!UUID_PATTERN.test(text)) throw HANDLER_EXCEPTION();
  return text;
}

function uuidToWire(id: string, structured: boolean): sharedPb.UUID {
  if (!structured) return new sharedPb.UUID().setString(id);
  const buffer = Buffer.from(id.replace(/-/g, ''), 'hex');
  return new sharedPb.UUID().setStructured(
    new sharedPb.UUID.Structured()
      .setMostSignificantBits(buffer.readBigInt64BE(0).toString())
      .setLeastSignificantBits(buffer.readBigInt64BE(8).toString()),
  );
}

/** MetadataHelpers.ParseGrpcMetadata: `type` and `content-type` are required. */
function proposedEvent(message: streamsPb.AppendReq.ProposedMessage | streamsPb.BatchAppendReq.ProposedMessage): ProposedEvent {
  const metadata = message.getMetadataMap();
  for (const key of REQUIRED_METADATA) {
    if (!metadata.has(key)) {
      throw new RpcError(grpc.status.INVALID_ARGUMENT, `Required Metadata Property '${key}' is missing`, {
        exception: 'missing-required-metadata-property',
        'required-metadata-properties': REQUIRED_METADATA.join(','),
      });
    }
  }
  return {
    eventId: uuidFromWire(message.getId()),
    eventType: metadata.get('type')!,
    isJson: metadata.get('content-type') === CONTENT_TYPE_JSON,
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

function eventSize(event: ProposedEvent): number {
  return Buffer.byteLength(event.eventType) + event.data.length + event.metadata.length;
}

/** ResponseConverter.ConvertToReadEvent for a record that commits itself: commit = prepare = its log position (or none, as before 22.10 on stream reads). */
function readEvent(record: WireLogRecord, structuredIds: boolean, withPosition: boolean): streamsPb.ReadResp.ReadEvent {
  const position = withPosition ? String(record.logPosition) : NO_POSITION;
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidToWire(record.eventId, structuredIds))
    .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(new Uint8Array(Buffer.from(record.streamId, 'utf8'))))
    .setStreamRevision(String(record.eventNumber))
    .setCommitPosition(position)
    .setPreparePosition(position)
    .setData(record.data)
    .setCustomMetadata(record.metadata);
  recorded
    .getMetadataMap()
    .set('type', record.eventType)
    .set('created', String(BigInt(record.createdMs) * TICKS_PER_MS))
    .set('content-type', record.isJson ? CONTENT_TYPE_JSON : CONTENT_TYPE_BINARY);
  const event = new streamsPb.ReadResp.ReadEvent().setEvent(recorded);
  return withPosition ? event.setCommitPosition(position) : event.setNoPosition(new sharedPb.Empty());
}

/** EventFilter.StreamName / EventType, by prefixes or regex (Streams.Read.cs ConvertToEventFilter). */
function eventFilter(options: streamsPb.ReadReq.Options.FilterOptions): (record: WireLogRecord) => boolean {
  const Case = streamsPb.ReadReq.Options.FilterOptions.FilterCase;
  const onStream = options.getFilterCase() === Case.STREAM_IDENTIFIER;
  const expression = onStream ? options.getStreamIdentifier() : options.getEventType();
  if (!expression) throw invalidArgumentError('filter expression is missing');
  const field = (record: WireLogRecord) => (onStream ? record.streamId : record.eventType);
  const regex = expression.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (record) => pattern.test(field(record));
  }
  const prefixes = expression.getPrefixList();
  return (record) => prefixes.some((prefix) => field(record).startsWith(prefix));
}
