// The views, in the order the navigation lists them (SPEC section 11).
import type { ViewDefinition } from '../app/view';
import { cohortsView } from './cohorts.view';
import { customerView } from './customer.view';
import { modelsView } from './models.view';
import { overviewView } from './overview.view';
import { playbooksView } from './playbooks.view';
import { segmentsView } from './segments.view';
import { serviceView } from './service.view';
import { valueRiskView } from './value-risk.view';

export const WORKSPACE_VIEWS: readonly ViewDefinition[] = [overviewView, segmentsView, valueRiskView, cohortsView, serviceView, modelsView, playbooksView, customerView];
