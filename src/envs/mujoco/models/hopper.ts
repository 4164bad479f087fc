import { floorAssets } from './assets.ts';

// Same layout as the other models/*.ts, limb after limb: Gymnasium's XML kept line for line (own numbers per limb) so it diffs against the source.
/**
 * Hopper-v5's model: a planar one-legged hopper (torso, thigh, leg, foot capsules; planar root
 * rootx/rootz/rooty; three hinge motors of gear 200, ctrl in [-1, 1]); every geom has margin
 * 0.001 and solimp (0.8, 0.8, 0.01); joints armature 1 and damping 1. Parameters are Gymnasium
 * 1.4.0's (hopper.xml), checked against its compiled arrays by test/envs/mujoco/models.test.ts.
 */
export const HOPPER_XML = `<mujoco model="hopper">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="0.002"/>
  <visual><map znear="0.02"/></visual>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom conaffinity="1" condim="1" contype="1" margin="0.001" material="geom" solimp="0.8 0.8 0.01" solref="0.02 1" rgba="0.8 0.6 0.4 1"/>
    <motor ctrllimited="true" ctrlrange="-0.4 0.4"/>
  </default>
  ${floorAssets('60 60')}
  <worldbody>
    <light pos="0 0 1.3" dir="0 0 -1" directional="true" cutoff="100" exponent="1" diffuse="1 1 1" specular="0.1 0.1 0.1"/>
    <geom name="floor" type="plane" size="20 20 0.125" condim="3" material="MatPlane" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 1.25">
      <camera name="track" mode="trackcom" pos="0 -3 -0.25" xyaxes="1 0 0 0 0 1"/>
      <joint name="rootx" type="slide" axis="1 0 0" pos="0 0 -1.25" limited="false" armature="0" damping="0" stiffness="0"/>
      <joint name="rootz" type="slide" axis="0 0 1" pos="0 0 -1.25" ref="1.25" limited="false" armature="0" damping="0" stiffness="0"/>
      <joint name="rooty" type="hinge" axis="0 1 0" pos="0 0 0" limited="false" armature="0" damping="0" stiffness="0"/>
      <geom name="torso_geom" type="capsule" size="0.05 0.2" friction="0.9"/>
      <body name="thigh" pos="0 0 -0.2">
        <joint name="thigh_joint" type="hinge" axis="0 -1 0" pos="0 0 0" range="-150 0"/>
        <geom name="thigh_geom" type="capsule" pos="0 0 -0.225" size="0.05 0.225" friction="0.9"/>
        <body name="leg" pos="0 0 -0.7">
          <joint name="leg_joint" type="hinge" axis="0 -1 0" pos="0 0 0.25" range="-150 0"/>
          <geom name="leg_geom" type="capsule" size="0.04 0.25" friction="0.9"/>
          <body name="foot" pos="0.13 0 -0.35">
            <joint name="foot_joint" type="hinge" axis="0 -1 0" pos="-0.13 0 0.1" range="-45 45"/>
            <geom name="foot_geom" type="capsule" pos="-0.065 0 0.1" zaxis="-1 0 0" size="0.06 0.195" friction="2.0"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="thigh_joint" gear="200" ctrlrange="-1 1"/>
    <motor joint="leg_joint" gear="200" ctrlrange="-1 1"/>
    <motor joint="foot_joint" gear="200" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
`;
