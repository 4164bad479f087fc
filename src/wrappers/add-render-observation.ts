/**
 * gymnasium.wrappers.AddRenderObservation: the rendered RGB frame becomes the observation
 * (renderOnly, default) or is added next to it: { [obsKey]: obs, [renderKey]: pixels }.
 * Pixels are a Uint8Array of height * width * 3 (row-major RGB), in a Box of dtype uint8.
 */
import { Wrapper, type Env, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import { Box, Dict, type Space } from '../envs/spaces.ts';
import type { Json } from '../envs/snapshot.ts';

export interface AddRenderObservationOptions {
  renderOnly?: boolean;
  renderKey?: string;
  obsKey?: string;
}

export class AddRenderObservation<Obs, Act> extends Wrapper<any, Act, Obs, Act> {
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

  private wrap(obs: Obs): unknown {
    const f = this.env.render();
    return this.renderOnly ? f.data : { [this.obsKey]: obs, [this.renderKey]: f.data };
  }

  override reset(args?: ResetArgs): ResetResult<any> {
    const r = this.env.reset(args);
    return { obs: this.wrap(r.obs), info: r.info };
  }

  override step(action: Act): StepResult<any> {
    const r = this.env.step(action) as StepResult<any>;
    r.obs = this.wrap(r.obs);
    return r;
  }

  /** Snapshot: none of its own (the frame is rendered from the inner env's state). */
  protected override snapshotSelf(): Json {
    return null;
  }
  protected override restoreSelf(): void {}
}
