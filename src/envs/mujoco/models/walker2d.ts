import { floorAssets } from './assets.ts';

/** One leg of the walker: thigh, leg and foot, with the given name suffix and colour. */
function leg(suffix: string, rgba: string): string {
  const c = rgba ? ` rgba="${rgba}"` : '';
  return `<body name="thigh${suffix}" pos="0 0 -0.2">
        <joint name="thigh${suffix}_joint" type="hinge" axis="0 -1 0" pos="0 0 0" range="-150 0"/>
        <geom name="thigh${suffix}_geom" type="capsule" pos="0 0 -0.225" size="0.05 0.225" friction="0.9"${c}/>
        <body name="leg${suffix}" pos="0 0 -0.7">
          <joint name="leg${suffix}_joint" type="hinge" axis="0 -1 0" pos="0 0 0.25" range="-150 0"/>
          <geom name="leg${suffix}_geom" type="capsule" size="0.04 0.25" friction="0.9"${c}/>
          <body name="foot${suffix}" pos="0.2 0 -0.35">
            <joint name="foot${suffix}_joint" type="hinge" axis="0 -1 0" pos="-0.2 0 0.1" range="-45 45"/>
            <geom name="foot${suffix}_geom" type="capsule" pos="-0.1 0 0.1" zaxis="-1 0 0" size="0.06 0.1" friction="1.9"${c}/>
          </body>
        </body>
      </body>`;
}

// Same layout as the other models/*.ts, limb after limb: Gymnasium's XML kept line for line (own numbers per limb) so it diffs against the source.
/**
 * Walker2d-v5's model: a planar biped (torso and two legs of thigh, leg and foot; planar root;
 * six hinge motors of gear 100, ctrl in [-1, 1]); v5 gives both feet friction 1.9. Parameters are
 * Gymnasium 1.4.0's (walker2d_v5.xml), checked against its compiled arrays by
 * test/envs/mujoco/models.test.ts.
 */
export const WALKER2D_XML = `<mujoco model="walker2d">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="0.002"/>
  <default>
    <joint armature="0.01" damping="0.1" limited="true"/>
    <geom conaffinity="0" condim="3" contype="1" density="1000" friction="0.7 0.1 0.1" rgba="0.8 0.6 0.4 1"/>
  </default>
  ${floorAssets('60 60')}
  <worldbody>
    <light pos="0 0 1.3" dir="0 0 -1.3" directional="true" cutoff="100" exponent="1" diffuse="1 1 1" specular="0.1 0.1 0.1"/>
    <geom name="floor" type="plane" pos="0 0 0" size="40 40 40" conaffinity="1" condim="3" material="MatPlane" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 1.25">
      <camera name="track" mode="trackcom" pos="0 -3 -0.25" xyaxes="1 0 0 0 0 1"/>
      <joint name="rootx" type="slide" axis="1 0 0" pos="0 0 -1.25" limited="false" armature="0" damping="0" stiffness="0"/>
      <joint name="rootz" type="slide" axis="0 0 1" pos="0 0 -1.25" ref="1.25" limited="false" armature="0" damping="0" stiffness="0"/>
      <joint name="rooty" type="hinge" axis="0 1 0" pos="0 0 0" limited="false" armature="0" damping="0" stiffness="0"/>
      <geom name="torso_geom" type="capsule" size="0.05 0.2" friction="0.9"/>
      ${leg('', '')}
      ${leg('_left', '0.7 0.3 0.6 1')}
    </body>
  </worldbody>
  <actuator>
    <motor joint="thigh_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="leg_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="foot_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="thigh_left_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="leg_left_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
    <motor joint="foot_left_joint" gear="100" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
`;
