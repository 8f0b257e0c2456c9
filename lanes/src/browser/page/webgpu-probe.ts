/**
 * Whether WebGPU works in this headless Chromium: the adapter the page gets, whether tfjs'
 * webgpu backend initializes, and whether one training step runs and reads back. Each stage
 * reports what it saw instead of throwing, so Node can say exactly where it stopped. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';

export interface WebGpuFacts {
  secureContext: boolean;
  hasNavigatorGpu: boolean;
  adapter: string | null;
  adapterError: string | null;
  setBackend: boolean | null;
  setBackendError: string | null;
  /** Loss before and after one Adam step on a 2-parameter quadratic, read asynchronously. */
  losses: number[] | null;
  stepError: string | null;
  /** A blocking read (`dataSync`) of a GPU-resident tensor: what it returned or threw. */
  readSync: string | null;
  /** A small op with an asynchronous read after that blocking read: its values, or the error. */
  afterReadSync: string | null;
}

const text = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

interface GpuAdapterLike {
  info?: Record<string, string>;
  features?: Set<string>;
}

async function adapter(facts: WebGpuFacts): Promise<boolean> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  facts.hasNavigatorGpu = !!gpu;
  if (!gpu) return false;
  try {
    const a = await gpu.requestAdapter();
    if (!a) {
      facts.adapterError = 'navigator.gpu.requestAdapter() resolved to null';
      return false;
    }
    const info = a.info ?? {};
    facts.adapter = ['vendor', 'architecture', 'device', 'description']
      .map((k) => `${k}=${info[k] ?? ''}`)
      .join(' ');
    return true;
  } catch (e) {
    facts.adapterError = text(e);
    return false;
  }
}

async function backend(facts: WebGpuFacts): Promise<boolean> {
  try {
    facts.setBackend = await tf.setBackend('webgpu');
    await tf.ready();
    return facts.setBackend && tf.getBackend() === 'webgpu';
  } catch (e) {
    facts.setBackendError = text(e);
    return false;
  }
}

async function trainingStep(facts: WebGpuFacts): Promise<void> {
  const w = tf.variable(tf.tensor1d([1, -2]), true, 'flatopt-webgpu-probe');
  const opt = tf.train.adam(0.1);
  const loss = () => tf.sum(tf.square(w)) as tf.Scalar;
  try {
    const before = tf.tidy(loss);
    opt.minimize(loss, false, [w]);
    const after = tf.tidy(loss);
    facts.losses = [(await before.data())[0], (await after.data())[0]];
    tf.dispose([before, after]);
  } catch (e) {
    facts.stepError = text(e);
  } finally {
    opt.dispose();
    w.dispose();
  }
}

/** Does a blocking read work, and does the device still work after one? */
async function blockingRead(facts: WebGpuFacts): Promise<void> {
  const t = tf.square(tf.tensor1d([1, 2, 3]));
  try {
    facts.readSync = `returned [${Array.from(t.dataSync()).join(', ')}]`;
  } catch (e) {
    facts.readSync = `threw ${text(e)}`;
  } finally {
    t.dispose();
  }
  try {
    const u = tf.square(tf.tensor1d([4, 5]));
    facts.afterReadSync = `returned [${Array.from(await u.data()).join(', ')}]`;
    u.dispose();
  } catch (e) {
    facts.afterReadSync = `threw ${text(e)}`;
  }
}

/** `withBlockingRead` ends with a blocking read, which may leave the page's WebGPU device unusable. */
export async function webgpuFacts(withBlockingRead: boolean): Promise<WebGpuFacts> {
  const facts: WebGpuFacts = {
    secureContext: isSecureContext,
    hasNavigatorGpu: false,
    adapter: null,
    adapterError: null,
    setBackend: null,
    setBackendError: null,
    losses: null,
    stepError: null,
    readSync: null,
    afterReadSync: null,
  };
  if (!(await adapter(facts)) || !(await backend(facts))) return facts;
  await trainingStep(facts);
  if (withBlockingRead) await blockingRead(facts);
  return facts;
}
