export * from './customer-view.projection';
export * from './timeline.projection';
export * from './customer-facts.projection';
export * from './customer-read-models';
export * from './playbook-actions.read-model';
export * from './playbook-enrollments.read-model';
