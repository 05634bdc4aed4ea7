import { InstantField } from '@rapport/contract';
import { MAX_HOLDOUT_DAYS } from '@rapport/analytics';

/** A calibration/holdout split: fit up to calibrationEnd, compare on (calibrationEnd, holdoutEnd]. */
export class HoldoutDto {
  @InstantField({ description: 'RFC 3339: the models are fitted on the purchases that occurred by then' })
  calibrationEnd!: string;

  @InstantField({
    description: `RFC 3339: predictions are compared with the repeat purchase-days in (calibrationEnd, holdoutEnd]; on a later day than calibrationEnd, at most ${MAX_HOLDOUT_DAYS} days after it`,
  })
  holdoutEnd!: string;
}
