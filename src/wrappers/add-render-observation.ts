/**
 * gymnasium.wrappers.AddRenderObservation: the rendered RGB frame becomes the observation
 * (renderOnly, default) or is added next to it: { [obsKey]: obs, [renderKey]: pixels }.
 * Pixels are a Uint8Array of height * width * 3 (row-major RGB), in a Box of dtype uint8.
 */
import { snapshotsLikeParent, type Env } from '../envs/env.ts';
import { ObservationWrapper } from './observation.ts';
import { Box, Dict, type Space } from '../envs/spaces.ts';

export interface AddRenderObservationOptions {
  renderOnly?: boolean;
  renderKey?: string;
  obsKey?: string;
}

export class AddRenderObservation<Obs, Act> extends ObservationWrapper<any, Act, Obs> {
  private readonly renderOnly: boolean;
  private readonly renderKey: string;
  private readonly obsKey: string;

  constructor(env: Env<Obs, Act>, opts: AddRenderObservationOptions = {}) {
    super(env);
    if (env.renderMode !== 'rgb_array') {
      throw new Error(`AddRenderObservation: the env must be made with renderMode 'rgb_array', got ${String(env.renderMode)}`);
    }
    this.renderOnly = opts.renderOnly ?? true;
    this.renderKey = opts.renderKey ?? 'pixels';
    this.obsKey = opts.obsKey ?? 'state';
    // The frame size comes from one render of the unwrapped env (its current state; no reset needed).
    const f = env.unwrapped.render();
    const px = new Box<Uint8Array>(0, 255, [f.height, f.width, 3], 'uint8');
    this.observationSpace = this.renderOnly ? px : new Dict({ [this.obsKey]: env.observationSpace as Space, [this.renderKey]: px });
  }

  protected observation(obs: Obs): unknown {
    const f = this.env.render();
    return this.renderOnly ? f.data : { [this.obsKey]: obs, [this.renderKey]: f.data };
  }

  /** Snapshot: none of its own (the frame is rendered from the inner env's state). */
  static {
    snapshotsLikeParent(AddRenderObservation);
  }
}
