export * from './duration';
export * from './playbook-definition';
export * from './playbook-templates';
export * from './playbook-conditions';
export * from './enrollment.decider';
export * from './playbook.decider';
export * from './signals';
export * from './action-payload';
