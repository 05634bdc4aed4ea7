import { CollectionRegistry, defineCollection, resolveCollection } from './collection';
import { UnknownCollectionError, type AnyCollection } from './document-store.port';

describe('collection declarations', () => {
  it.each<[string, unknown]>([
    ['an upper-case name', { name: 'People' }],
    ['a name with a dot', { name: 'a.b' }],
    ['a name with a quote', { name: 'a"b' }],
    ['an empty name', { name: '' }],
    ['a name of the store', { name: 'document_store_checkpoints' }],
    ['a field starting with $', { name: 'c', fields: { $where: 'string' } }],
    ['a field with a dot', { name: 'c', fields: { 'a.b': 'string' } }],
    ['a field named _id', { name: 'c', fields: { _id: 'string' } }],
    ['a field of an unknown type', { name: 'c', fields: { a: 'boolean' } }],
    ['fields differing only in case', { name: 'c', fields: { a: 'string', A: 'string' } }],
    ['an index on an undeclared field', { name: 'c', fields: { a: 'string' }, indexes: [{ fields: ['b'] }] }],
    ['an index without fields', { name: 'c', indexes: [{ fields: [] }] }],
    ['an index repeating a field', { name: 'c', fields: { a: 'string' }, indexes: [{ fields: ['a', 'a'] }] }],
    ['an index declared twice', { name: 'c', fields: { a: 'string' }, indexes: [{ fields: ['a'] }, { fields: ['a'] }] }],
    ['a search field with a dot', { name: 'c', search: ['a.b'] }],
  ])('refuses %s', (_, spec) => {
    expect(() => resolveCollection(spec as AnyCollection)).toThrow(TypeError);
  });

  it('resolves fields in name order, index names, required fields and a fingerprint of all of them', () => {
    const spec = defineCollection<{ _id: string; revision: number; b: string; a: number }>({
      name: 'c',
      fields: { b: 'string', a: 'number' },
      indexes: [{ fields: ['b', 'a'] }, { fields: ['a'], unique: true }],
      search: ['_id', 'b'],
    });
    const resolved = resolveCollection(spec as unknown as AnyCollection);
    expect([...resolved.fields]).toEqual([
      ['a', 'number'],
      ['b', 'string'],
    ]);
    expect(resolved.indexes.map((i) => i.name)).toEqual(['ix_b__a', 'ux_a']);
    expect([...resolved.required]).toEqual(['a']);
    expect(resolveCollection({ ...spec, search: ['b'] } as unknown as AnyCollection).fingerprint).not.toBe(resolved.fingerprint);
    expect(resolveCollection({ ...spec, indexes: [{ fields: ['a'] }] } as unknown as AnyCollection).fingerprint).not.toBe(resolved.fingerprint);
    expect(resolveCollection({ ...spec, fields: { b: 'string', a: 'string' } } as unknown as AnyCollection).fingerprint).not.toBe(resolved.fingerprint);
    // The order fields are written in does not matter.
    expect(resolveCollection({ ...spec, fields: { a: 'number', b: 'string' } } as unknown as AnyCollection).fingerprint).toBe(resolved.fingerprint);
  });

  it('serves only the collections it was given, in the shape given', () => {
    const registry = new CollectionRegistry([{ name: 'a', fields: { x: 'string' } }]);
    expect(registry.resolve({ name: 'a', fields: { x: 'string' } }).name).toBe('a');
    expect(() => registry.resolve({ name: 'a', fields: { x: 'number' } })).toThrow(UnknownCollectionError);
    expect(() => registry.resolve({ name: 'b' })).toThrow(UnknownCollectionError);
    expect(() => registry.resolve({ name: { $gt: '' } })).toThrow(UnknownCollectionError);
    expect(() => new CollectionRegistry([{ name: 'a' }, { name: 'a', fields: { x: 'string' } }])).toThrow(TypeError);
  });
});
