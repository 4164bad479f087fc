/** The Node-only half of train/: run directories, atomic files, the terminal display, preset files. */
export * from './files.ts';
export * from './run-dir.ts';
export * from './lock.ts';
export * from './display.ts';
export * from './presets.ts';
export * from './load.ts';
