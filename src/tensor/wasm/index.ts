/**
 * tensor/wasm: WebAssembly SIMD kernels built at load time by our own emitter (no toolchain),
 * used by kernels.ts for large float32 products and falling back to JS where SIMD is missing.
 */
export { wasmGemm, setWasmKernels, setWasmGemmThreshold, kernelInfo, type KernelInfo } from './gemm.ts';
