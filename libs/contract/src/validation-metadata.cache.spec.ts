import { IsInt, IsString, MetadataStorage, ValidationTypes, getMetadataStorage, validateSync } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { cacheValidationMetadata } from './validation-metadata.cache';

const failed = (object: object) => validateSync(object).map((error) => error.property).sort();

describe('cacheValidationMetadata', () => {
  beforeAll(() => cacheValidationMetadata());

  it('validates with a class\'s own and inherited rules, the same on every call', () => {
    class Base {
      @IsString() name: unknown = 1;
    }
    class Derived extends Base {
      @IsInt() count: unknown = 'x';
    }
    expect(failed(new Derived())).toEqual(['count', 'name']);
    expect(failed(new Derived())).toEqual(['count', 'name']);
    expect(failed(new Base())).toEqual(['name']);
  });

  it('forgets its answers when a rule is registered after a class was validated', () => {
    class Late {
      @IsString() name: unknown = 'ok';
      count: unknown = 'x';
    }
    expect(failed(new Late())).toEqual([]);
    IsInt()(Late.prototype, 'count');
    expect(failed(new Late())).toEqual(['count']);
    // A subclass defined after its parent was validated still inherits every rule.
    class Later extends Late {}
    expect(failed(new Later())).toEqual(['count']);
  });

  it('hands out answers no caller can change', () => {
    class Frozen {
      @IsString() name: unknown = 1;
    }
    const rules = getMetadataStorage().getTargetValidationMetadatas(Frozen, '', false, false);
    expect(rules).toHaveLength(1);
    expect(() => (rules as unknown[]).push({})).toThrow(TypeError);
    expect(getMetadataStorage().getTargetValidationMetadatas(Frozen, '', false, false)).toHaveLength(1);
  });

  it('resolves a class\'s rules once, and again after a rule is registered', () => {
    class Target {}
    const storage = new MetadataStorage();
    const resolve = jest.spyOn(storage, 'getTargetValidationMetadatas');
    const rule = (propertyName: string) => ({ type: ValidationTypes.CUSTOM_VALIDATION, target: Target, propertyName, constraints: [] }) as unknown as ValidationMetadata;
    storage.addValidationMetadata(rule('a'));
    cacheValidationMetadata(storage);
    const first = storage.getTargetValidationMetadatas(Target, '', false, false);
    expect(storage.getTargetValidationMetadatas(Target, '', false, false)).toBe(first);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(storage.getTargetValidationMetadatas(Target, '', true, false)).toHaveLength(1);
    expect(resolve).toHaveBeenCalledTimes(2);
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(first));
    storage.addValidationMetadata(rule('b'));
    expect(storage.getTargetValidationMetadatas(Target, '', false, false).map((m) => m.propertyName)).toEqual(['a', 'b']);
    expect(resolve).toHaveBeenCalledTimes(3);
  });

  it('is installed once however often it is asked', () => {
    const lookup = getMetadataStorage().getTargetValidationMetadatas;
    cacheValidationMetadata();
    expect(getMetadataStorage().getTargetValidationMetadatas).toBe(lookup);
  });
});
