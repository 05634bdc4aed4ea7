import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineCollection, put, type DocumentStore, type StoredDocument, type WriteBatch } from '@rapport/document-store';
import { SqliteDocumentStore } from '@rapport/document-store-sqlite';
import { merged, WriteBehind } from './write-behind';

interface Note extends StoredDocument {
  readonly text: string;
}
const NOTES = defineCollection<Note>({ name: 'notes' });
const note = (id: string, revision: number) => put(NOTES, { _id: id, revision, text: `${id}@${revision}` });

/** The real store behind a gate the test opens, and a switch that makes it refuse commits. */
class GatedStore {
  readonly commits: WriteBatch[] = [];
  refusing = false;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  constructor(readonly inner: SqliteDocumentStore) {}

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  asStore(): DocumentStore {
    return new Proxy(this.inner, {
      get: (target, property, receiver) =>
        property === 'commit'
          ? async (batch: WriteBatch) => {
              await this.gate;
              if (this.refusing) throw new Error('store unavailable');
              this.commits.push(batch);
              await target.commit(batch);
            }
          : Reflect.get(target, property, receiver),
    });
  }
}

describe('WriteBehind', () => {
  let dir: string;
  let sqlite: SqliteDocumentStore;
  let gated: GatedStore;
  let writer: WriteBehind;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-write-behind-'));
    sqlite = SqliteDocumentStore.open(path.join(dir, 'store.sqlite'), [NOTES]);
    gated = new GatedStore(sqlite);
    writer = new WriteBehind(gated.asStore(), { retryMs: 5, maxRetryMs: 20 });
  });

  afterEach(async () => {
    gated.release();
    await writer.close();
    await sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lands commits in the order asked, merging those that waited while the store was busy', async () => {
    gated.hold();
    const landed = [writer.commit({ writes: [note('a', 0)], checkpoints: [] })];
    for (let revision = 1; revision <= 5; revision++) landed.push(writer.commit({ writes: [note('a', revision), note(`b${revision}`, 0)], checkpoints: [{ name: 'follower', position: revision * 10 }] }));
    expect(writer.behind).toBe(11);
    gated.release();
    await Promise.all(landed);
    // The first went alone; the five that waited behind it went as one commit.
    expect(gated.commits.map((c) => c.writes.length)).toEqual([1, 10]);
    expect(gated.commits[1]!.checkpoints).toEqual([{ name: 'follower', position: 50 }]);
    expect(await sqlite.get(NOTES, 'a')).toMatchObject({ revision: 5 });
    expect(await sqlite.getCheckpoint('follower')).toBe(50);
    expect(writer.behind).toBe(0);
  });

  it('lands a checkpoint only with every write asked before it', async () => {
    gated.hold();
    writer.commitBehind({ writes: [note('due', 3)], checkpoints: [] });
    const checkpoint = writer.commit({ writes: [], checkpoints: [{ name: 'follower', position: 7 }] });
    expect(await sqlite.get(NOTES, 'due')).toBeUndefined();
    gated.release();
    await checkpoint;
    expect(await sqlite.get(NOTES, 'due')).toMatchObject({ revision: 3 });
    expect(await sqlite.getCheckpoint('follower')).toBe(7);
  });

  it('tries a refused commit again until the store takes it, landing nothing after it first', async () => {
    gated.refusing = true;
    const first = writer.commit({ writes: [note('x', 1)], checkpoints: [] });
    const second = writer.commit({ writes: [note('y', 1)], checkpoints: [{ name: 'follower', position: 2 }] });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await sqlite.get(NOTES, 'y')).toBeUndefined();
    expect(await sqlite.getCheckpoint('follower')).toBe(-1);
    gated.refusing = false;
    await Promise.all([first, second]);
    expect(await sqlite.get(NOTES, 'x')).toMatchObject({ revision: 1 });
    expect(await sqlite.getCheckpoint('follower')).toBe(2);
  });

  it('keeps a fast caller within the room it asks for', async () => {
    gated.hold();
    for (let i = 0; i < 10; i++) writer.commitBehind({ writes: [note(`n${i}`, 0)], checkpoints: [] });
    let roomy = false;
    const room = writer.room(5).then(() => (roomy = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(roomy).toBe(false);
    gated.release();
    await room;
    expect(writer.behind).toBeLessThan(5);
    await writer.flush();
    expect(writer.behind).toBe(0);
  });

  it('says once that a commit is slow, and for how long one has been landing', async () => {
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger = { info: () => undefined, error: () => undefined, warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }) };
    const slowWriter = new WriteBehind(gated.asStore(), { slowCommitMs: 20, logger });
    expect(slowWriter.landingMs).toBe(0);
    gated.hold();
    const landed = slowWriter.commit({ writes: [note('slow', 1), note('slower', 1)], checkpoints: [] });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(slowWriter.landingMs).toBeGreaterThanOrEqual(60);
    expect(warnings).toEqual([{ message: 'write-behind: a commit is still not on disk; everything asked after it waits', fields: { writes: 2, waitedMs: 20, attempts: 1 } }]);
    gated.release();
    await landed;
    expect(slowWriter.landingMs).toBe(0);
    // A commit that lands in time says nothing.
    await slowWriter.commit({ writes: [note('quick', 1)], checkpoints: [] });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(warnings).toHaveLength(1);
  });

  it('gives up on close what the store refuses, then takes commits again', async () => {
    gated.refusing = true;
    const stuck = writer.commit({ writes: [note('lost', 1)], checkpoints: [] });
    const after = writer.commit({ writes: [note('after', 1)], checkpoints: [] });
    await writer.close();
    await expect(stuck).rejects.toThrow('store unavailable');
    await expect(after).rejects.toThrow('store unavailable');
    expect(writer.behind).toBe(0);
    gated.refusing = false;
    await writer.commit({ writes: [note('later', 1)], checkpoints: [] });
    expect(await sqlite.get(NOTES, 'later')).toMatchObject({ revision: 1 });
    expect(await sqlite.get(NOTES, 'lost')).toBeUndefined();
  });
});

describe('merged', () => {
  it('keeps every write in order, each checkpoint at its furthest and every version moved', () => {
    const batch = merged([
      { writes: [note('a', 1)], checkpoints: [{ name: 'p', position: 4 }], versions: ['v1'] },
      { writes: [note('a', 2), note('b', 0)], checkpoints: [{ name: 'p', position: 9 }, { name: 'q', position: 1 }], versions: ['v1', 'v2'], erasesPersonalData: true },
      { writes: [], checkpoints: [{ name: 'p', position: 6 }] },
    ]);
    expect(batch.writes.map((w) => (w.type === 'put' ? `${w.document._id}@${w.document.revision}` : w.type))).toEqual(['a@1', 'a@2', 'b@0']);
    expect(batch.checkpoints).toEqual([
      { name: 'p', position: 9 },
      { name: 'q', position: 1 },
    ]);
    expect(batch.versions).toEqual(['v1', 'v2']);
    expect(batch.erasesPersonalData).toBe(true);
  });
});
