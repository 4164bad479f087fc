// Same layout as the other models/*.ts, limb after limb: Gymnasium's XML kept line for line (own numbers per limb) so it diffs against the source.
/**
 * InvertedDoublePendulum-v5's model: a cart (slider, ±1 m, joint margin 0.01) with two 0.6 m poles
 * in series and a site `tip` at the end of the second; motor gear 500, ctrl in [-1, 1]; gravity
 * has a 1e-5 x component. Parameters are Gymnasium 1.4.0's (inverted_double_pendulum.xml),
 * checked against its compiled arrays by test/envs/mujoco/models.test.ts.
 */
export const INVERTED_DOUBLE_PENDULUM_XML = `<mujoco model="cartpole">
  <compiler inertiafromgeom="true"/>
  <option gravity="1e-5 0 -9.81" integrator="RK4" timestep="0.01"/>
  <default>
    <joint damping="0.05"/>
    <geom contype="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 -3.0" size="40 40 40" rgba="0.8 0.9 0.8 1"/>
    <geom name="rail" type="capsule" pos="0 0 0" quat="0.707 0 0.707 0" size="0.02 1" rgba="0.3 0.3 0.7 1"/>
    <body name="cart" pos="0 0 0">
      <joint name="slider" type="slide" axis="1 0 0" pos="0 0 0" limited="true" range="-1 1" margin="0.01"/>
      <geom name="cart" type="capsule" pos="0 0 0" quat="0.707 0 0.707 0" size="0.1 0.1"/>
      <body name="pole" pos="0 0 0">
        <joint name="hinge" type="hinge" axis="0 1 0" pos="0 0 0"/>
        <geom name="cpole" type="capsule" fromto="0 0 0 0 0 0.6" size="0.045 0.3" rgba="0 0.7 0.7 1"/>
        <body name="pole2" pos="0 0 0.6">
          <joint name="hinge2" type="hinge" axis="0 1 0" pos="0 0 0"/>
          <geom name="cpole2" type="capsule" fromto="0 0 0 0 0 0.6" size="0.045 0.3" rgba="0 0.7 0.7 1"/>
          <site name="tip" pos="0 0 0.6" size="0.01 0.01"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider" gear="500" ctrllimited="true" ctrlrange="-1 1"/>
  </actuator>
</mujoco>
`;
