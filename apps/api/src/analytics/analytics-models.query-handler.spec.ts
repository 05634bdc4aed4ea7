import { ModelNotFittedError, type AnalyticsService } from '@rapport/application';
import { PurchaseModelQuery, PurchaseModelQueryHandler } from './analytics-models.query-handler';

const handlerFailingWith = (error: Error) =>
  new PurchaseModelQueryHandler({
    purchaseModel: async () => Promise.reject(error),
    holdoutValidation: async () => Promise.reject(error),
    compareModels: async () => Promise.reject(error),
  } as unknown as AnalyticsService);

const split = { calibrationEnd: '1997-09-30T23:59:59Z', holdoutEnd: '1998-06-30T23:59:59Z' };

describe('PurchaseModelQueryHandler', () => {
  it('answers a model that cannot be fitted with a MODEL_NOT_FITTED refusal value', async () => {
    const handler = handlerFailingWith(new ModelNotFittedError('pareto-nbd', 'no customers to fit'));
    expect(await handler.execute(new PurchaseModelQuery({ kind: 'validation', model: 'pareto-nbd', ...split }))).toEqual({
      refused: 'MODEL_NOT_FITTED',
      message: 'pareto-nbd could not be fitted: no customers to fit',
    });
  });

  it('routes each kind of question to its service method', async () => {
    const calls: string[] = [];
    const handler = new PurchaseModelQueryHandler({
      purchaseModel: async (model: string, asOf: string) => (calls.push(`fit ${model} ${asOf}`), { fit: {}, customers: 0 }),
      holdoutValidation: async (model: string, from: string, to: string) => (calls.push(`validation ${model} ${from} ${to}`), {}),
      compareModels: async (from: string, to: string) => (calls.push(`compare ${from} ${to}`), {}),
    } as unknown as AnalyticsService);
    await handler.execute(new PurchaseModelQuery({ kind: 'fit', model: 'mbg-nbd', asOf: split.calibrationEnd }));
    await handler.execute(new PurchaseModelQuery({ kind: 'validation', model: 'bgnbd', ...split }));
    await handler.execute(new PurchaseModelQuery({ kind: 'compare', ...split }));
    expect(calls).toEqual([
      'fit mbg-nbd 1997-09-30T23:59:59Z',
      'validation bgnbd 1997-09-30T23:59:59Z 1998-06-30T23:59:59Z',
      'compare 1997-09-30T23:59:59Z 1998-06-30T23:59:59Z',
    ]);
  });

  it('lets any other failure through', async () => {
    await expect(handlerFailingWith(new Error('disk gone')).execute(new PurchaseModelQuery({ kind: 'compare', ...split }))).rejects.toThrow('disk gone');
  });
});
