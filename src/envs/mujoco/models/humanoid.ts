/** The pose-dependent numbers of the two humanoid models (standing for Humanoid, lying for HumanoidStandup). */
interface Pose {
  model: string;
  torso: string;
  camera: string;
  head: string;
  uwaist: string;
  lwaist: string;
  pelvis: string;
  thighR: string;
  thighL: string;
  thighFromR: string;
  thighFromL: string;
  shinR: string;
  shinL: string;
  shinFrom: string;
  foot: string;
  leftHipY: string;
}

// Same layout as the other models/*.ts, limb after limb: Gymnasium's XML kept line for line (own numbers per limb) so it diffs against the source.
function humanoid(p: Pose): string {
  return `<mujoco model="${p.model}">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option integrator="RK4" iterations="50" solver="PGS" timestep="0.003"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom conaffinity="1" condim="1" contype="1" margin="0.001" material="geom" rgba="0.8 0.6 0.4 1"/>
    <motor ctrllimited="true" ctrlrange="-0.4 0.4"/>
  </default>
  <visual><map fogend="5" fogstart="3"/></visual>
  <asset>
    <texture type="skybox" builtin="gradient" rgb1="0.4 0.5 0.6" rgb2="0 0 0" width="100" height="100"/>
    <texture name="texgeom" type="cube" builtin="flat" mark="cross" markrgb="1 1 1" random="0.01" rgb1="0.8 0.6 0.4" rgb2="0.8 0.6 0.4" width="127" height="1278"/>
    <texture name="texplane" type="2d" builtin="checker" rgb1="0 0 0" rgb2="0.8 0.8 0.8" width="100" height="100"/>
    <material name="MatPlane" texture="texplane" texrepeat="60 60" specular="1" shininess="1" reflectance="0.5"/>
    <material name="geom" texture="texgeom" texuniform="true"/>
  </asset>
  <worldbody>
    <light pos="0 0 1.3" dir="0 0 -1.3" directional="true" cutoff="100" exponent="1" diffuse="1 1 1" specular="0.1 0.1 0.1"/>
    <geom name="floor" type="plane" pos="0 0 0" size="20 20 0.125" condim="3" friction="1 0.1 0.1" material="MatPlane" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="${p.torso}">
      <camera name="track" mode="trackcom" pos="${p.camera}" xyaxes="1 0 0 0 0 1"/>
      <joint name="root" type="free" pos="0 0 0" limited="false" armature="0" damping="0" stiffness="0"/>
      <geom name="torso1" type="capsule" fromto="0 -0.07 0 0 0.07 0" size="0.07"/>
      <geom name="head" type="sphere" pos="${p.head}" size="0.09"/>
      <geom name="uwaist" type="capsule" fromto="${p.uwaist}" size="0.06"/>
      <body name="lwaist" pos="${p.lwaist}" quat="1.000 0 -0.002 0">
        <geom name="lwaist" type="capsule" fromto="0 -0.06 0 0 0.06 0" size="0.06"/>
        <joint name="abdomen_z" type="hinge" axis="0 0 1" pos="0 0 0.065" range="-45 45" armature="0.02" damping="5" stiffness="20"/>
        <joint name="abdomen_y" type="hinge" axis="0 1 0" pos="0 0 0.065" range="-75 30" armature="0.02" damping="5" stiffness="10"/>
        <body name="pelvis" pos="${p.pelvis}" quat="1.000 0 -0.002 0">
          <joint name="abdomen_x" type="hinge" axis="1 0 0" pos="0 0 0.1" range="-35 35" armature="0.02" damping="5" stiffness="10"/>
          <geom name="butt" type="capsule" fromto="-0.02 -0.07 0 -0.02 0.07 0" size="0.09"/>
          <body name="right_thigh" pos="${p.thighR}">
            <joint name="right_hip_x" type="hinge" axis="1 0 0" pos="0 0 0" range="-25 5" armature="0.01" damping="5" stiffness="10"/>
            <joint name="right_hip_z" type="hinge" axis="0 0 1" pos="0 0 0" range="-60 35" armature="0.01" damping="5" stiffness="10"/>
            <joint name="right_hip_y" type="hinge" axis="0 1 0" pos="0 0 0" range="-110 20" armature="0.008" damping="5" stiffness="20"/>
            <geom name="right_thigh1" type="capsule" fromto="${p.thighFromR}" size="0.06"/>
            <body name="right_shin" pos="${p.shinR}">
              <joint name="right_knee" type="hinge" axis="0 -1 0" pos="0 0 0.02" range="-160 -2" armature="0.006"/>
              <geom name="right_shin1" type="capsule" fromto="${p.shinFrom}" size="0.049"/>
              <body name="right_foot" pos="${p.foot}">
                <geom name="right_foot" type="sphere" pos="0 0 0.1" size="0.075"/>
              </body>
            </body>
          </body>
          <body name="left_thigh" pos="${p.thighL}">
            <joint name="left_hip_x" type="hinge" axis="-1 0 0" pos="0 0 0" range="-25 5" armature="0.01" damping="5" stiffness="10"/>
            <joint name="left_hip_z" type="hinge" axis="0 0 -1" pos="0 0 0" range="-60 35" armature="0.01" damping="5" stiffness="10"/>
            <joint name="left_hip_y" type="hinge" axis="0 1 0" pos="0 0 0" range="${p.leftHipY}" armature="0.01" damping="5" stiffness="20"/>
            <geom name="left_thigh1" type="capsule" fromto="${p.thighFromL}" size="0.06"/>
            <body name="left_shin" pos="${p.shinL}">
              <joint name="left_knee" type="hinge" axis="0 -1 0" pos="0 0 0.02" range="-160 -2" armature="0.006" stiffness="1"/>
              <geom name="left_shin1" type="capsule" fromto="${p.shinFrom}" size="0.049"/>
              <body name="left_foot" pos="${p.foot}">
                <geom name="left_foot" type="sphere" pos="0 0 0.1" size="0.075"/>
              </body>
            </body>
          </body>
        </body>
      </body>
      <body name="right_upper_arm" pos="0 -0.17 0.06">
        <joint name="right_shoulder1" type="hinge" axis="2 1 1" pos="0 0 0" range="-85 60" armature="0.0068" stiffness="1"/>
        <joint name="right_shoulder2" type="hinge" axis="0 -1 1" pos="0 0 0" range="-85 60" armature="0.0051" stiffness="1"/>
        <geom name="right_uarm1" type="capsule" fromto="0 0 0 0.16 -0.16 -0.16" size="0.04 0.16"/>
        <body name="right_lower_arm" pos="0.18 -0.18 -0.18">
          <joint name="right_elbow" type="hinge" axis="0 -1 1" pos="0 0 0" range="-90 50" armature="0.0028" stiffness="0"/>
          <geom name="right_larm" type="capsule" fromto="0.01 0.01 0.01 0.17 0.17 0.17" size="0.031"/>
          <geom name="right_hand" type="sphere" pos="0.18 0.18 0.18" size="0.04"/>
          <camera pos="0 0 0"/>
        </body>
      </body>
      <body name="left_upper_arm" pos="0 0.17 0.06">
        <joint name="left_shoulder1" type="hinge" axis="2 -1 1" pos="0 0 0" range="-60 85" armature="0.0068" stiffness="1"/>
        <joint name="left_shoulder2" type="hinge" axis="0 1 1" pos="0 0 0" range="-60 85" armature="0.0051" stiffness="1"/>
        <geom name="left_uarm1" type="capsule" fromto="0 0 0 0.16 0.16 -0.16" size="0.04 0.16"/>
        <body name="left_lower_arm" pos="0.18 0.18 -0.18">
          <joint name="left_elbow" type="hinge" axis="0 -1 -1" pos="0 0 0" range="-90 50" armature="0.0028" stiffness="0"/>
          <geom name="left_larm" type="capsule" fromto="0.01 -0.01 0.01 0.17 -0.17 0.17" size="0.031"/>
          <geom name="left_hand" type="sphere" pos="0.18 -0.18 0.18" size="0.04"/>
        </body>
      </body>
    </body>
  </worldbody>
  <tendon>
    <fixed name="left_hipknee">
      <joint joint="left_hip_y" coef="-1"/>
      <joint joint="left_knee" coef="1"/>
    </fixed>
    <fixed name="right_hipknee">
      <joint joint="right_hip_y" coef="-1"/>
      <joint joint="right_knee" coef="1"/>
    </fixed>
  </tendon>
  <actuator>
    <motor name="abdomen_y" joint="abdomen_y" gear="100"/>
    <motor name="abdomen_z" joint="abdomen_z" gear="100"/>
    <motor name="abdomen_x" joint="abdomen_x" gear="100"/>
    <motor name="right_hip_x" joint="right_hip_x" gear="100"/>
    <motor name="right_hip_z" joint="right_hip_z" gear="100"/>
    <motor name="right_hip_y" joint="right_hip_y" gear="300"/>
    <motor name="right_knee" joint="right_knee" gear="200"/>
    <motor name="left_hip_x" joint="left_hip_x" gear="100"/>
    <motor name="left_hip_z" joint="left_hip_z" gear="100"/>
    <motor name="left_hip_y" joint="left_hip_y" gear="300"/>
    <motor name="left_knee" joint="left_knee" gear="200"/>
    <motor name="right_shoulder1" joint="right_shoulder1" gear="25"/>
    <motor name="right_shoulder2" joint="right_shoulder2" gear="25"/>
    <motor name="right_elbow" joint="right_elbow" gear="25"/>
    <motor name="left_shoulder1" joint="left_shoulder1" gear="25"/>
    <motor name="left_shoulder2" joint="left_shoulder2" gear="25"/>
    <motor name="left_elbow" joint="left_elbow" gear="25"/>
  </actuator>
</mujoco>
`;
}

/**
 * Humanoid-v5's model: a 3D humanoid (free root; abdomen, hips, knees, shoulders and elbows: 17
 * hinge motors with gears 25..300, ctrl in [-0.4, 0.4]; two fixed hip-knee tendons), standing at
 * 1.4 m; PGS solver with 50 iterations, RK4 at 0.003 s, all geom margins 0.001. Parameters are
 * Gymnasium 1.4.0's (humanoid.xml), checked against its compiled arrays by
 * test/envs/mujoco/models.test.ts.
 */
export const HUMANOID_XML = humanoid({
  model: 'humanoid',
  torso: '0 0 1.4',
  camera: '0 -4 0',
  head: '0 0 0.19',
  uwaist: '-0.01 -0.06 -0.12 -0.01 0.06 -0.12',
  lwaist: '-0.01 0 -0.260',
  pelvis: '0 0 -0.165',
  thighR: '0 -0.1 -0.04',
  thighL: '0 0.1 -0.04',
  thighFromR: '0 0 0 0 0.01 -0.34',
  thighFromL: '0 0 0 0 -0.01 -0.34',
  shinR: '0 0.01 -0.403',
  shinL: '0 -0.01 -0.403',
  shinFrom: '0 0 0 0 0 -0.3',
  foot: '0 0 -0.45',
  leftHipY: '-110 20',
});

/**
 * HumanoidStandup-v5's model: the same humanoid lying on its back (torso at 0.105 m, body along x);
 * its left hip reaches -120° (Humanoid's -110°). Parameters are Gymnasium 1.4.0's
 * (humanoidstandup.xml), checked against its compiled arrays by test/envs/mujoco/models.test.ts.
 */
export const HUMANOID_STANDUP_XML = humanoid({
  model: 'humanoidstandup',
  torso: '0 0 0.105',
  camera: '0 -3 0.5',
  head: '-0.15 0 0',
  uwaist: '0.11 -0.06 0 0.11 0.06 0',
  lwaist: '0.21 0 0',
  pelvis: '0.165 0 0',
  thighR: '0 -0.1 0',
  thighL: '0 0.1 0',
  thighFromR: '0 0 0 0.34 0.01 0',
  thighFromL: '0 0 0 0.34 -0.01 0',
  shinR: '0.403 0.01 0',
  shinL: '0.403 -0.01 0',
  shinFrom: '0 0 0 0.3 0 0',
  foot: '0.35 0 -0.1',
  leftHipY: '-120 20',
});
