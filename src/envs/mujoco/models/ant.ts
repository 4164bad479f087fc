import { floorAssets } from './assets.ts';

/** One leg of the ant: a thigh from the torso, a hip (yaw) and an ankle hinge, as in Gymnasium's ant.xml. */
function leg(
  body: string,
  aux: string,
  sx: number,
  sy: number,
  hip: string,
  ankle: string,
  ankleAxis: string,
  ankleRange: string,
  g: [string, string, string],
): string {
  return `<body name="${body}" pos="0 0 0">
        <geom name="${g[0]}" type="capsule" fromto="0 0 0 ${0.2 * sx} ${0.2 * sy} 0" size="0.08"/>
        <body name="${aux}" pos="${0.2 * sx} ${0.2 * sy} 0">
          <joint name="${hip}" type="hinge" axis="0 0 1" pos="0 0 0" range="-30 30"/>
          <geom name="${g[1]}" type="capsule" fromto="0 0 0 ${0.2 * sx} ${0.2 * sy} 0" size="0.08"/>
          <body pos="${0.2 * sx} ${0.2 * sy} 0">
            <joint name="${ankle}" type="hinge" axis="${ankleAxis}" pos="0 0 0" range="${ankleRange}"/>
            <geom name="${g[2]}" type="capsule" fromto="0 0 0 ${0.4 * sx} ${0.4 * sy} 0" size="0.08"/>
          </body>
        </body>
      </body>`;
}

// Same layout as the other models/*.ts, limb after limb: Gymnasium's XML kept line for line (own numbers per limb) so it diffs against the source.
/**
 * Ant-v5's model: a sphere torso (free joint, margin 0.01) with four legs of two capsules, hips
 * within ±30° and ankles within 30..70°; eight motors of gear 150, ctrl in [-1, 1]; density 5, all
 * geom margins 0.01. Parameters are Gymnasium 1.4.0's (ant.xml), checked against its compiled
 * arrays by test/envs/mujoco/models.test.ts.
 */
export const ANT_XML = `<mujoco model="ant">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="0.01"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom conaffinity="0" condim="3" density="5.0" friction="1 0.5 0.5" margin="0.01" rgba="0.8 0.6 0.4 1"/>
  </default>
  ${floorAssets('60 60')}
  <worldbody>
    <light pos="0 0 1.3" dir="0 0 -1.3" directional="true" cutoff="100" exponent="1" diffuse="1 1 1" specular="0.1 0.1 0.1"/>
    <geom name="floor" type="plane" pos="0 0 0" size="40 40 40" conaffinity="1" condim="3" material="MatPlane" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 0.75">
      <camera name="track" mode="trackcom" pos="0 -3 0.3" xyaxes="1 0 0 0 0 1"/>
      <geom name="torso_geom" type="sphere" pos="0 0 0" size="0.25"/>
      <joint name="root" type="free" pos="0 0 0" limited="false" margin="0.01" armature="0" damping="0"/>
      ${leg('front_left_leg', 'aux_1', 1, 1, 'hip_1', 'ankle_1', '-1 1 0', '30 70', ['aux_1_geom', 'left_leg_geom', 'left_ankle_geom'])}
      ${leg('front_right_leg', 'aux_2', -1, 1, 'hip_2', 'ankle_2', '1 1 0', '-70 -30', ['aux_2_geom', 'right_leg_geom', 'right_ankle_geom'])}
      ${leg('back_leg', 'aux_3', -1, -1, 'hip_3', 'ankle_3', '-1 1 0', '-70 -30', ['aux_3_geom', 'back_leg_geom', 'third_ankle_geom'])}
      ${leg('right_back_leg', 'aux_4', 1, -1, 'hip_4', 'ankle_4', '1 1 0', '30 70', ['aux_4_geom', 'rightback_leg_geom', 'fourth_ankle_geom'])}
    </body>
  </worldbody>
  <actuator>
    <motor joint="hip_4" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
    <motor joint="ankle_4" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
    <motor joint="hip_1" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
    <motor joint="ankle_1" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
    <motor joint="hip_2" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
    <motor joint="ankle_2" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
    <motor joint="hip_3" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
    <motor joint="ankle_3" gear="150" ctrllimited="true" ctrlrange="-1.0 1.0"/>
  </actuator>
</mujoco>
`;
