/**
 * Order check (gymnasium.wrappers.OrderEnforcing, stricter): step() before the first reset(), or
 * after an episode ended (terminated or truncated) without a reset, is an error. `make` puts it
 * outside TimeLimit so that it sees time-limit truncations too.
 */
import { Wrapper, type ResetArgs, type ResetResult, type StepResult } from '../envs/env.ts';
import { short, stateObject, type Json } from '../envs/snapshot.ts';

const STATES = ['unreset', 'running', 'ended'] as const;

export class OrderEnforcing<Obs, Act> extends Wrapper<Obs, Act> {
  private state: (typeof STATES)[number] = 'unreset';
  get hasReset(): boolean {
    return this.state !== 'unreset';
  }
  override reset(args?: ResetArgs): ResetResult<Obs> {
    const r = this.env.reset(args);
    this.state = 'running';
    return r;
  }
  override step(action: Act): StepResult<Obs> {
    if (this.state !== 'running') {
      const id = this.spec?.id ?? String(this.env);
      throw new Error(
        this.state === 'unreset'
          ? `${id}: step() called before reset(); call reset() first`
          : `${id}: step() called after the episode ended (terminated or truncated); call reset() first`,
      );
    }
    const r = this.env.step(action);
    if (r.terminated || r.truncated) this.state = 'ended';
    return r;
  }
  protected override snapshotSelf(): Json {
    return { state: this.state };
  }
  protected override restoreSelf(state: Json): void {
    const who = 'OrderEnforcing.restore',
      s = stateObject(who, state).state;
    if (!STATES.includes(s as (typeof STATES)[number])) throw new Error(`${who}: state.state must be one of ${STATES.join(', ')}, got ${short(s)}`);
    this.state = s as (typeof STATES)[number];
  }
  override render() {
    if (this.state === 'unreset') throw new Error(`${this.spec?.id ?? String(this.env)}: render() called before reset()`);
    return this.env.render();
  }
}
