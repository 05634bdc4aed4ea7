// The purchase models beside BG/NBD (SPEC section 6): Pareto/NBD and MBG/NBD
// fitted on the same per-customer summaries (answered in the shape of
// GET /v1/analytics/models/bgnbd), each model's holdout validation, and the
// three ranked by holdout error.
import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { holdoutSpanDays, isPurchaseModelName, MAX_HOLDOUT_DAYS, PURCHASE_MODELS, type PurchaseModelName } from '@rapport/analytics';
import { presentHoldoutValidation, presentModelComparison, presentPurchaseModel } from '@rapport/application';
import { Roles } from '../auth/access.decorators';
import { ProblemException, validationFailed } from '../http/problem';
import { answerOf, fittedOrRefused } from '../http/refusal.mapper';
import { AsOfDto } from './analytics.dto';
import { HoldoutDto } from './analytics-models.dto';
import { PurchaseModelQuery } from './analytics-models.query-handler';
import { ApiProblems } from '../http/problem.openapi';
import { HoldoutValidationDto, MbgNbdFitDto, ModelComparisonDto, ParetoNbdFitDto } from './analytics.response';

const FIT_PROBLEMS = { 400: ['VALIDATION_FAILED'], 422: ['MODEL_NOT_FITTED'], 503: ['DEPENDENCY_UNAVAILABLE'] } as const;
const NOT_FITTED = { 422: 'the model cannot be fitted on these data (detail says why)' };
const SPLIT = { 400: 'a missing or bad calibrationEnd/holdoutEnd, or holdoutEnd not on a later day (at most 3,653 days after)', 422: 'the model cannot be fitted at calibrationEnd' };

const FIT_SHAPE = '{asOf, timeUnit: "week", customers, converged: true, params, logLikelihood, iterations}; 422 MODEL_NOT_FITTED when the fit does not converge';

@ApiTags('analytics')
@Roles('analyst')
@Controller('v1/analytics/models')
export class AnalyticsModelsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('pareto-nbd')
  @ApiOperation({ summary: 'Pareto/NBD fit (maximum likelihood, time in weeks): customers may leave at any time' })
  @ApiOkResponse({ type: ParetoNbdFitDto, description: `${FIT_SHAPE}; params r, alpha, s, beta` })
  @ApiProblems(FIT_PROBLEMS, NOT_FITTED)
  async paretoNbd(@Query() query: AsOfDto) {
    return this.fitted('pareto-nbd', query);
  }

  @Get('mbg-nbd')
  @ApiOperation({ summary: 'MBG/NBD fit (maximum likelihood, time in weeks): customers may leave after any purchase, the first included' })
  @ApiOkResponse({ type: MbgNbdFitDto, description: `${FIT_SHAPE}; params r, alpha, a, b` })
  @ApiProblems(FIT_PROBLEMS, NOT_FITTED)
  async mbgNbd(@Query() query: AsOfDto) {
    return this.fitted('mbg-nbd', query);
  }

  @Get('compare')
  @ApiOperation({ summary: 'BG/NBD, Pareto/NBD and MBG/NBD fitted at calibrationEnd, ranked by holdout MAPE' })
  @ApiOkResponse({ type: ModelComparisonDto, description: 'The smallest mapePercent first; a model that cannot be fitted has rank null and a reason' })
  @ApiProblems(FIT_PROBLEMS, SPLIT)
  async compare(@Query() query: HoldoutDto) {
    const scope = holdoutScope(query);
    return presentModelComparison(scope, answerOf(await this.queryBus.execute(new PurchaseModelQuery({ kind: 'compare', ...scope }))));
  }

  @Get(':model/validation')
  @ApiOperation({ summary: 'Holdout validation: fit at calibrationEnd, predicted against actual repeat purchase-days per calibration frequency and week by week' })
  @ApiParam({ name: 'model', enum: PURCHASE_MODELS })
  @ApiOkResponse({ type: HoldoutValidationDto })
  @ApiProblems({ ...FIT_PROBLEMS, 404: ['UNKNOWN_MODEL'] }, { ...SPLIT, 404: 'model is not bgnbd, pareto-nbd or mbg-nbd' })
  async validation(@Param('model') model: string, @Query() query: HoldoutDto) {
    if (!isPurchaseModelName(model)) {
      throw new ProblemException(404, 'UNKNOWN_MODEL', 'Unknown model', `No purchase model ${JSON.stringify(model.slice(0, 64))}: one of ${PURCHASE_MODELS.join(', ')}.`);
    }
    const scope = holdoutScope(query);
    const answer = answerOf(await this.queryBus.execute(new PurchaseModelQuery({ kind: 'validation', model, ...scope })));
    return presentHoldoutValidation(scope, model, answer);
  }

  private async fitted(model: PurchaseModelName, query: AsOfDto) {
    const asOf = query.asOf ?? new Date().toISOString();
    return presentPurchaseModel(asOf, fittedOrRefused(model, answerOf(await this.queryBus.execute(new PurchaseModelQuery({ kind: 'fit', model, asOf })))));
  }
}

/** The split as given, once its days are in order: a holdout of at least one whole day, at most MAX_HOLDOUT_DAYS. */
function holdoutScope({ calibrationEnd, holdoutEnd }: HoldoutDto): { calibrationEnd: string; holdoutEnd: string } {
  const days = holdoutSpanDays(calibrationEnd, holdoutEnd);
  if (days < 1) throw validationFailed([{ field: 'holdoutEnd', message: 'holdoutEnd must be on a later day (UTC) than calibrationEnd' }]);
  if (days > MAX_HOLDOUT_DAYS) throw validationFailed([{ field: 'holdoutEnd', message: `holdoutEnd must be at most ${MAX_HOLDOUT_DAYS} days after calibrationEnd` }]);
  return { calibrationEnd, holdoutEnd };
}
