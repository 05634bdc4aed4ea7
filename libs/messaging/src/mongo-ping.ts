// A MongoDB `ping` on a client of its own, for a process's dependency monitor:
// it answers (or fails within the client's short timeouts) whether or not the
// process has managed to open its stores yet.
import { MongoClient } from 'mongodb';
import { MONGO_CLIENT_TIMEOUTS } from '@rapport/config';

export class MongoPing {
  private readonly client: MongoClient;

  constructor(url: string) {
    // One connection is plenty for a ping; the driver connects (and reconnects) on use.
    this.client = new MongoClient(url, { ...MONGO_CLIENT_TIMEOUTS, maxPoolSize: 1 });
  }

  async ping(): Promise<void> {
    await this.client.db().command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
