/** Our MJCF models, by the Gymnasium id of the task that uses them. */
import { HALF_CHEETAH_XML } from './half-cheetah.ts';
import { HOPPER_XML } from './hopper.ts';
import { INVERTED_DOUBLE_PENDULUM_XML } from './inverted-double-pendulum.ts';
import { INVERTED_PENDULUM_XML } from './inverted-pendulum.ts';
import { SWIMMER_XML } from './swimmer.ts';
import { WALKER2D_XML } from './walker2d.ts';
import { REACHER_XML } from './reacher.ts';
import { ANT_XML } from './ant.ts';
import { PUSHER_XML } from './pusher.ts';
import { HUMANOID_STANDUP_XML, HUMANOID_XML } from './humanoid.ts';

export {
  HALF_CHEETAH_XML,
  HOPPER_XML,
  INVERTED_DOUBLE_PENDULUM_XML,
  INVERTED_PENDULUM_XML,
  SWIMMER_XML,
  WALKER2D_XML,
  REACHER_XML,
  ANT_XML,
  PUSHER_XML,
  HUMANOID_XML,
  HUMANOID_STANDUP_XML,
};

export const MODELS: Record<string, string> = {
  'InvertedPendulum-v5': INVERTED_PENDULUM_XML,
  'InvertedDoublePendulum-v5': INVERTED_DOUBLE_PENDULUM_XML,
  'Hopper-v5': HOPPER_XML,
  'HalfCheetah-v5': HALF_CHEETAH_XML,
  'Walker2d-v5': WALKER2D_XML,
  'Swimmer-v5': SWIMMER_XML,
  'Reacher-v5': REACHER_XML,
  'Ant-v5': ANT_XML,
  'Pusher-v5': PUSHER_XML,
  'Humanoid-v5': HUMANOID_XML,
  'HumanoidStandup-v5': HUMANOID_STANDUP_XML,
};
