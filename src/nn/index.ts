/** nn/: modules (Linear, MLP), initialisers, optimizers, schedules, losses and parameter files. */
export * from './init.ts';
export * from './module.ts';
export * from './optim.ts';
export * from './schedule.ts';
export * from './losses.ts';
export * from './serialize.ts';
export * from './recurrent.ts';
