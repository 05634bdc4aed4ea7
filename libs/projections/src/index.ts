export * from './customer-view.projection';
export * from './timeline.projection';
