/** Chromium command-line flags of the browser lane. */

/** Every launch: no sandbox (root in CI containers), and nothing that phones home. */
export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** WebGL 2 on SwiftShader (the CPU implementation of the GPU APIs; the machines have no GPU). */
export const WEBGL_FLAGS = [
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
] as const;

/** WebGPU on SwiftShader's Vulkan. */
export const WEBGPU_FLAGS = [
  ...WEBGL_FLAGS,
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
] as const;
