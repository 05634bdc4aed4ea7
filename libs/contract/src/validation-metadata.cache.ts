// class-validator resolves a class's rules on every validateSync by testing
// every class it knows of for inheritance, and groups them by property again
// (typestack/class-validator#2686, open at 0.15.1). A class's rules are fixed
// once its decorators have run, so both answers are remembered per class and
// arguments, and all of them are forgotten whenever a rule is registered.
import { getMetadataStorage } from 'class-validator';
import type { MetadataStorage } from 'class-validator/types/metadata/MetadataStorage';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Lookup = MetadataStorage['getTargetValidationMetadatas'];
type Grouping = MetadataStorage['groupByPropertyName'];

const installed = new WeakSet<MetadataStorage>();

/** Makes the storage remember its answers; idempotent. Exported for its test. */
export function cacheValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  if (installed.has(storage)) return;
  installed.add(storage);
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group: Grouping = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let byTarget = new Map<unknown, Map<string, readonly ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], ReturnType<Grouping>>();

  storage.addValidationMetadata = (metadata) => {
    byTarget = new Map();
    grouped = new WeakMap();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let answers = byTarget.get(target);
    if (!answers) byTarget.set(target, (answers = new Map()));
    let answer = answers.get(key);
    // Frozen: one caller cannot change what the next one gets (class-validator only reads it).
    if (!answer) answers.set(key, (answer = Object.freeze(lookup(target, schema, always, strictGroups, groups))));
    return answer as ValidationMetadata[];
  };
  storage.groupByPropertyName = (metadata) => {
    let answer = grouped.get(metadata);
    if (!answer) grouped.set(metadata, (answer = group(metadata)));
    return answer;
  };
}
