// Tests that need real infrastructure (Kafka, a MongoDB-compatible store) run
// when Jest's global setup found it answering (tools/jest/infra.global-setup.js).
// Where it is missing they skip, except under RAPPORT_REQUIRE_INFRA=1 (CI),
// where the global setup has already failed the run.
export type InfraService = 'kafka' | 'mongo';

export function infraAvailable(service: InfraService): boolean {
  return process.env[`RAPPORT_INFRA_${service.toUpperCase()}`] === 'up';
}

/** `describe` when the services answer, `describe.skip` otherwise. */
export function describeWithInfra(...services: InfraService[]): jest.Describe {
  return services.every(infraAvailable) ? describe : describe.skip;
}
