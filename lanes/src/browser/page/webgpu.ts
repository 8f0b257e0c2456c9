/** The WebGPU page: tfjs (cpu, webgl) plus the webgpu backend, and the reduced WebGPU checks. */
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { expose } from './expose';
import { nanUnderSkip, nanUnderThrow } from './non-finite';
import { blockingReads } from './reads';
import { webgpuFacts } from './webgpu-probe';

expose({ webgpuFacts, blockingReads, nanUnderThrow, nanUnderSkip });
