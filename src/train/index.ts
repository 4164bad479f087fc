/**
 * train/: run configuration, the training driver with callbacks, presets, progress rows,
 * checkpoints and TensorBoard encoding. Everything here is browser-safe; the file-writing parts
 * (run directories, the terminal display, the preset files) are in train/node/.
 */
export * from './config.ts';
export * from './overrides.ts';
export * from './driver.ts';
export * from './checkpoint.ts';
export * from './progress.ts';
export * from './presets.ts';
export * from './setup.ts';
export * from './tfevents.ts';
