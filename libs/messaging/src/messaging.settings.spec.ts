import { logLevel, type LogEntry } from 'kafkajs';
import { MessagingSettingsError, messagingSettings, rapportKafkaLogCreator } from './messaging.settings';

/** Every line the log creator writes for `entries` when kafkajs is configured at `configured`. */
function written(configured: logLevel, entries: readonly LogEntry[]): Array<{ level: logLevel; line: Record<string, unknown> }> {
  const out: Array<{ level: logLevel; line: Record<string, unknown> }> = [];
  const log = rapportKafkaLogCreator((level, line) => out.push({ level, line: JSON.parse(line) as Record<string, unknown> }))(configured);
  for (const entry of entries) log(entry);
  return out;
}

const entry = (namespace: string, level: logLevel, message: string, extra: Record<string, unknown> = {}): LogEntry => ({
  namespace,
  level,
  label: level === logLevel.ERROR ? 'ERROR' : 'INFO',
  log: { timestamp: '2026-12-02T18:00:00.000Z', message, ...extra },
});

// The two lines kafkajs 2.2 wrote for one CONCURRENT_TRANSACTIONS refusal in a CI run.
const concurrentTransactions = [
  entry('Connection', logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', {
    error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
  }),
  entry('Producer', logLevel.ERROR, 'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing', {
    retryCount: 0,
  }),
];
const unreachable = [entry('Connection', logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'), entry('BrokerPool', logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list')];

describe('rapportKafkaLogCreator', () => {
  it('keeps the retried CONCURRENT_TRANSACTIONS refusal and unreachable-broker attempts out of an error-level log', () => {
    expect(written(logLevel.ERROR, [...concurrentTransactions, ...unreachable])).toEqual([]);
    expect(written(logLevel.INFO, [...concurrentTransactions, ...unreachable])).toEqual([]);
  });

  it('writes them at debug level, as kafkajs gave them', () => {
    const lines = written(logLevel.DEBUG, [...concurrentTransactions, ...unreachable]);
    expect(lines.map((l) => l.line['message'])).toEqual([
      '[Connection] Response AddPartitionsToTxn(key: 24, version: 1)',
      '[Producer] Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
      '[Connection] Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      '[BrokerPool] Failed to connect to seed broker, trying another broker from the list',
    ]);
    expect(lines[0]).toMatchObject({ level: logLevel.ERROR, line: { level: 'ERROR', error: expect.stringContaining('concurrent operation') } });
  });

  it('passes every other error through, with its namespace and fields', () => {
    const other = entry('Producer', logLevel.ERROR, 'Failed to send messages: The producer has been fenced by a newer instance', { retryCount: 5 });
    expect(written(logLevel.ERROR, [other])).toEqual([
      { level: logLevel.ERROR, line: { level: 'ERROR', timestamp: '2026-12-02T18:00:00.000Z', retryCount: 5, message: '[Producer] Failed to send messages: The producer has been fenced by a newer instance' } },
    ]);
  });
});

describe('messagingSettings', () => {
  it('reads RAPPORT_KAFKA_LOG_LEVEL and refuses a level kafkajs does not have', () => {
    expect(messagingSettings({ RAPPORT_KAFKA_LOG_LEVEL: 'DEBUG' }).kafkaLogLevel).toBe(logLevel.DEBUG);
    expect(messagingSettings({}).kafkaLogLevel).toBe(logLevel.ERROR);
    expect(() => messagingSettings({ RAPPORT_KAFKA_LOG_LEVEL: 'loud' })).toThrow(MessagingSettingsError);
  });
});
