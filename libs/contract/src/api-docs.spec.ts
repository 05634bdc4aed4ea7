// docs/api.md lists the envelope and each type's payload by hand; these tests
// hold it to the validators and the domain's constants: every field named,
// optional exactly when the validators let it be absent, and enum values as
// the domain lists them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMITTED_EVENT_TYPES } from '@rapport/domain';
import { DATA_DTO_BY_TYPE, EventMetadataDto } from './event-envelope.dto';
import { fieldRules } from './testing';

const apiMd = fs.readFileSync(path.join(__dirname, '../../../docs/api.md'), 'utf8');
const section = apiMd.slice(apiMd.indexOf('## The event envelope'), apiMd.indexOf('## The recorded event'));
const row = (first: string): string => {
  const rows = section.split('\n').filter((line) => line.startsWith(`| \`${first}\` |`));
  expect([first, rows.length]).toEqual([first, 1]);
  return rows[0]!;
};
/** Names in backticks (fields, `field?`, enum values), not other code like `+ - ( ) .`. */
const backticked = (text: string): string[] => [...text.matchAll(/`([A-Za-z_]+\??)`/g)].map((m) => m[1]!);

describe('docs/api.md, "The event envelope"', () => {
  it('lists the types an emitter may send, in order, and the metadata fields it may give', () => {
    expect(backticked(row('type')).slice(1)).toEqual([...EMITTED_EVENT_TYPES]);
    expect(backticked(row('metadata')).slice(1)).toEqual(fieldRules(EventMetadataDto).map((rule) => rule.name));
  });

  it.each(EMITTED_EVENT_TYPES)('lists every %s data field, `?` exactly on the optional ones, with the domain’s enum values in order', (type) => {
    const rules = fieldRules(DATA_DTO_BY_TYPE[type]);
    const tokens = backticked(row(type)).slice(1);
    const enumValues = new Set(rules.flatMap((rule) => rule.enum ?? []));
    const fields = tokens.filter((token) => !enumValues.has(token));
    expect(fields).toEqual(rules.map((rule) => (rule.required ? rule.name : `${rule.name}?`)));
    for (const rule of rules.filter((r) => r.enum)) {
      const after = tokens.slice(tokens.indexOf(rule.required ? rule.name : `${rule.name}?`) + 1);
      expect([rule.name, after.slice(0, rule.enum!.length)]).toEqual([rule.name, rule.enum]);
    }
  });
});
