import { ModelNotFittedError, type AnalyticsService } from '@rapport/application';
import { AnswerTooLargeError } from '@rapport/analytics';
import { AnalyticsQuery, AnalyticsQueryHandler } from './analytics.query';

const handlerFailingWith = (error: Error) =>
  new AnalyticsQueryHandler({ bgnbd: async () => Promise.reject(error), revenue: async () => Promise.reject(error) } as unknown as AnalyticsService);

describe('AnalyticsQueryHandler', () => {
  it('answers an unfittable model with a MODEL_NOT_FITTED refusal value', async () => {
    const handler = handlerFailingWith(new ModelNotFittedError('bgnbd', 'no customers to fit'));
    expect(await handler.execute(new AnalyticsQuery({ kind: 'bgnbd', asOf: '2026-01-01T00:00:00Z' }))).toEqual({
      refused: 'MODEL_NOT_FITTED',
      message: 'bgnbd could not be fitted: no customers to fit',
    });
  });

  it('answers an answer over its cap with an ANSWER_TOO_LARGE refusal value', async () => {
    const handler = handlerFailingWith(new AnswerTooLargeError('revenue', 5000, 3660, 'revenue by day spans 5,000 days'));
    expect(await handler.execute(new AnalyticsQuery({ kind: 'revenue', asOf: '2026-01-01T00:00:00Z', currency: 'EUR', interval: 'day' }))).toEqual({
      refused: 'ANSWER_TOO_LARGE',
      message: 'revenue by day spans 5,000 days; at most 3,660 per answer',
    });
  });

  it('asks the service for the question’s purchase model, BG/NBD when it names none', async () => {
    const asked: unknown[][] = [];
    const handler = new AnalyticsQueryHandler({ predict: async (...args: unknown[]) => (asked.push(args), undefined) } as unknown as AnalyticsService);
    const question = { kind: 'predictions', customerId: 'a', asOf: '2026-01-01T00:00:00Z', currency: 'EUR', horizonWeeks: 52 } as const;
    await handler.execute(new AnalyticsQuery({ ...question, model: 'best' }));
    await handler.execute(new AnalyticsQuery({ ...question, model: 'mbg-nbd', maxStaleMs: 1000 }));
    await handler.execute(new AnalyticsQuery(question));
    expect(asked).toEqual([
      ['a', question.asOf, 'EUR', 52, { maxStaleMs: 0 }, 'best'],
      ['a', question.asOf, 'EUR', 52, { maxStaleMs: 1000 }, 'mbg-nbd'],
      ['a', question.asOf, 'EUR', 52, { maxStaleMs: 0 }, 'bgnbd'],
    ]);
  });

  it('lets any other failure through', async () => {
    await expect(handlerFailingWith(new Error('disk gone')).execute(new AnalyticsQuery({ kind: 'bgnbd', asOf: '2026-01-01T00:00:00Z' }))).rejects.toThrow('disk gone');
  });
});
