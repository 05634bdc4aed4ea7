// One long-lived kafkajs admin client for the questions a process asks Kafka
// about itself — is the broker there (readiness, metrics), how far is a group
// (lag) — with short timeouts and no retries of its own: each question gets an
// answer or an error within `timeoutMs`, never a new connection per question
// that can hang. After a failure the client is dropped, so the next question
// connects afresh (a broker that came back is seen at once).
import { withTimeLimit } from '@rapport/config';
import { Kafka, logLevel, type Admin } from 'kafkajs';

export class KafkaAdminLink {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;
  private closed = false;

  constructor(
    brokers: readonly string[],
    clientId: string,
    private readonly timeoutMs = 1_000,
  ) {
    this.kafka = new Kafka({
      brokers: [...brokers],
      clientId,
      // The callers say once what is down (DependencyMonitor); kafkajs would say it on every attempt.
      logLevel: logLevel.NOTHING,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      retry: { retries: 0 },
    });
  }

  /** A Metadata request to the broker: resolves when it answers. */
  async ping(): Promise<void> {
    await this.run('Kafka', (admin) => admin.describeCluster());
  }

  /** `work` on the connected admin, within the time limit; a failure drops the connection. */
  async run<T>(what: string, work: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('Kafka admin link closed');
    try {
      return await withTimeLimit(this.timeoutMs, async () => work(await this.connected()), what);
    } catch (error) {
      this.drop();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private connected(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    if (!this.connecting) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      this.connecting = admin.connect().then(
        () => {
          this.connecting = undefined;
          if (this.closed) {
            void admin.disconnect().catch(() => undefined);
            throw new Error('Kafka admin link closed');
          }
          this.admin = admin;
          return admin;
        },
        (error: unknown) => {
          this.connecting = undefined;
          void admin.disconnect().catch(() => undefined);
          throw error;
        },
      );
    }
    return this.connecting;
  }

  private drop(): void {
    const admin = this.admin;
    this.admin = undefined;
    void admin?.disconnect().catch(() => undefined);
  }
}
