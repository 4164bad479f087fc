import { floorAssets } from './assets.ts';

// Same layout as the other models/*.ts, limb after limb: Gymnasium's XML kept line for line (own numbers per limb) so it diffs against the source.
/**
 * Swimmer-v5's model: three 1 m capsules linked by two hinges (±100°) in a viscous medium
 * (density 4000, viscosity 0.1), planar root slider1/slider2/free_body_rot; motors of gear 150,
 * ctrl in [-1, 1]. Parameters are Gymnasium 1.4.0's (swimmer.xml), checked against its compiled
 * arrays by test/envs/mujoco/models.test.ts.
 */
export const SWIMMER_XML = `<mujoco model="swimmer">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option density="4000" integrator="RK4" timestep="0.01" viscosity="0.1"/>
  <default>
    <geom conaffinity="0" condim="1" contype="0" material="geom" rgba="0.8 0.6 0.4 1"/>
    <joint armature="0.1"/>
  </default>
  ${floorAssets('30 30')}
  <worldbody>
    <light pos="0 0 1.3" dir="0 0 -1.3" directional="true" cutoff="100" exponent="1" diffuse="1 1 1" specular="0.1 0.1 0.1"/>
    <geom name="floor" type="plane" pos="0 0 -0.1" size="40 40 0.1" condim="3" material="MatPlane" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 0">
      <camera name="track" mode="trackcom" pos="0 -3 3" xyaxes="1 0 0 0 1 1"/>
      <geom type="capsule" density="1000" fromto="1.5 0 0 0.5 0 0" size="0.1"/>
      <joint name="slider1" type="slide" axis="1 0 0" pos="0 0 0"/>
      <joint name="slider2" type="slide" axis="0 1 0" pos="0 0 0"/>
      <joint name="free_body_rot" type="hinge" axis="0 0 1" pos="0 0 0"/>
      <body name="mid" pos="0.5 0 0">
        <geom type="capsule" density="1000" fromto="0 0 0 -1 0 0" size="0.1"/>
        <joint name="motor1_rot" type="hinge" axis="0 0 1" pos="0 0 0" limited="true" range="-100 100"/>
        <body name="back" pos="-1 0 0">
          <geom type="capsule" density="1000" fromto="0 0 0 -1 0 0" size="0.1"/>
          <joint name="motor2_rot" type="hinge" axis="0 0 1" pos="0 0 0" limited="true" range="-100 100"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="motor1_rot" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="motor2_rot" gear="150" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
`;
