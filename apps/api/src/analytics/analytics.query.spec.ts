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

  it('lets any other failure through', async () => {
    await expect(handlerFailingWith(new Error('disk gone')).execute(new AnalyticsQuery({ kind: 'bgnbd', asOf: '2026-01-01T00:00:00Z' }))).rejects.toThrow('disk gone');
  });
});
