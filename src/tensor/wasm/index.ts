/**
 * tensor/wasm: WebAssembly SIMD kernels (gemm, tanh, relu, Adam, Polyak) whose module bytes are built at load time by
 * our own emitter (no toolchain), used by kernels.ts and ops for large float32 data, with the JS
 * code as the fallback where SIMD is missing or the kernels are turned off.
 */
export {
  setWasmKernels,
  setWasmFma,
  kernelInfo,
  setGemmThreads,
  setGemmThreadThreshold,
  gemmThreadsFor,
  gemmThreadsReady,
  type KernelInfo,
} from './runtime.ts';
export { wasmGemm, wasmDenseBackward, wasmLinearBackward, setWasmGemmThreshold, wasmGemmThreshold, type GemmActivation } from './gemm.ts';
export { wasmTanh, setWasmTanhThreshold } from './tanh.ts';
export { wasmRelu, wasmReluBackward, wasmTanhBackward, wasmPolyak, wasmAdd, wasmColSum, setWasmEltwiseThreshold, eltwiseThreshold } from './elementwise.ts';
export { privateKernels, wasmKernelsOn, type KernelExports } from './runtime.ts';
export { twinRunner, twinParallelFor, setTwinThreads, setTwinThreshold, twinInfo, TwinRunner } from './pair.ts';
