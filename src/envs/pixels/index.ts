/**
 * envs/pixels: small image-based tasks of our own, each with a state-based twin. Importing this
 * module registers them: Catch-v0 (state), CatchPixels-v0 (a [1, 10, 5] image) and CatchDict-v0
 * (a Dict: the ball as an image, the paddle as a vector); and CartPolePixels-v1, CartPole-v1 seen
 * through its rendered frames (a composition of Gymnasium's wrappers, see cartpole.ts).
 */
import { register, registeredIds } from '../registry.ts';
import { CatchEnv, CatchDictEnv } from './catch.ts';
import { makeCartPolePixels } from './cartpole.ts';

export { CatchEnv, CatchDictEnv, type CatchOptions, type CatchDictObs } from './catch.ts';
export { makeCartPolePixels, pixelObservations, cartPolePixelsSettings, type CartPolePixelsOptions } from './cartpole.ts';

if (!registeredIds().includes('Catch-v0')) {
  // Rows - 1 steps per episode; the return is +1 or -1, so a threshold of 0.9 is a 95% catch rate.
  register({
    id: 'Catch-v0',
    entryPoint: (k) => new CatchEnv({ ...k, obsType: 'state' }),
    rewardThreshold: 0.9,
    description: 'bsuite catch on a 10x5 board; observation [ball column, ball row, paddle column]',
  });
  register({
    id: 'CatchPixels-v0',
    entryPoint: (k) => new CatchEnv({ ...k, obsType: 'pixels' }),
    rewardThreshold: 0.9,
    description: 'bsuite catch on a 10x5 board; observation the board as a [1, 10, 5] grayscale image',
  });
}
if (!registeredIds().includes('CatchDict-v0')) {
  register({
    id: 'CatchDict-v0',
    entryPoint: (k) => new CatchDictEnv(k),
    rewardThreshold: 0.9,
    description: "catch on a 6x5 board, the paddle starting anywhere; observation a Dict: 'image' the ball [1, 6, 5], 'vector' the paddle column",
  });
}
if (!registeredIds().includes('CartPolePixels-v1')) {
  // CartPole-v1's step limit and reward threshold: the same task, only the observation differs.
  register({
    id: 'CartPolePixels-v1',
    entryPoint: (k) => makeCartPolePixels(k),
    maxEpisodeSteps: 500,
    rewardThreshold: 475.0,
    description:
      'CartPole-v1 from pixels: rgb_array -> AddRenderObservation -> grayscale -> resize [40, 60] -> scale to [0, 1] -> 4 stacked frames; observation [4, 40, 60]',
  });
}
