/** The folder `pnpm tfjs-node` installs into (an npm project of its own, git-ignored). */
export declare const TFJS_NODE_DIR: string;

/** What to tell a user who asked for the tensorflow backend without having it. */
export declare const INSTALL_HINT: string;

/** The part of `@tensorflow/tfjs-core`'s namespace the loader checks. */
export interface TfCoreLike {
  readonly Tensor: unknown;
  findBackendFactory(name: string): unknown;
  findBackend?(name: string): unknown;
}

export interface TfjsNodeStatus {
  /** Whether the caller's tfjs-core now has the 'tensorflow' backend, from the same tfjs-core. */
  readonly available: boolean;
  /** One line: which tfjs-node and TensorFlow, or why it is not available. */
  readonly reason: string;
  /** When available: tfjs-node's version and the TensorFlow C library's, e.g. for a report. */
  readonly versions?: { readonly 'tfjs-node': string; readonly tensorflow: string };
}

/**
 * Loads tfjs-node from .tfjs-node/ when installed there; says whether the caller's tfjs-core (`tf`)
 * now has the 'tensorflow' backend. Never throws. Loading makes tensorflow the active backend.
 */
export declare function loadTfjsNode(tf: TfCoreLike): TfjsNodeStatus;
