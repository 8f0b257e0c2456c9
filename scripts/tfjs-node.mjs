#!/usr/bin/env node
// `pnpm tfjs-node [--force]`: installs @tensorflow/tfjs-node 4.22 into the git-ignored .tfjs-node/
// folder for the bench's tensorflow column and the tfjs-node lane (lanes/src/tfjs-node/).
//
// tfjs-node's own install script downloads libtensorflow and fails on the project's machines, so
// the install is done by ../shared/tools/tfjs-node-local.sh (beside the clone, in CI too), which
// builds the addon against the TensorFlow wheel pip can see. tfjs-node stays out of every
// package.json and the lockfile (DESIGN.md, Backends): npm installs it into .tfjs-node/, an npm
// project of its own.
//
// npm gives that folder its own @tensorflow/tfjs-core (and tfjs, tfjs-layers, ...). tfjs-node
// would register its backend through that copy, while flatopt imports the workspace's: two
// tfjs-core modules with two Tensor classes. So after installing, every @tensorflow/* package in
// .tfjs-node/node_modules except tfjs-node itself is replaced by a symlink to the workspace's copy
// of the same version; Node resolves symlinks to their real path, so tfjs-node's
// require('@tensorflow/tfjs-core') then loads the very file the workspace loads. The script ends by
// checking that in a fresh import: the workspace's tfjs-core runs a matMul on 'tensorflow'.
//
// Exit 0: ready. Exit 3 (one line): not available on this machine, callers skip. Exit 1: failed.
// Already installed: relinks and checks again without reinstalling (`--force` reinstalls).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TFJS_NODE_DIR, loadTfjsNode } from './tfjs-node-load.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED_SCRIPT = join(ROOT, '..', 'shared', 'tools', 'tfjs-node-local.sh');
const MODULES = join(TFJS_NODE_DIR, 'node_modules', '@tensorflow');
const NOT_AVAILABLE = 3;

class Failure extends Error {}

/** Says why tfjs-node cannot be had here and exits 3, the "skip" answer callers expect. */
function notAvailable(reason) {
  console.log(`tfjs-node: not available on this machine: ${reason}`);
  process.exit(NOT_AVAILABLE);
}

/** The addon is the last thing the shared script builds: its presence means a finished install. */
function isInstalled() {
  const lib = join(MODULES, 'tfjs-node', 'lib');
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some((napi) => existsSync(join(lib, napi, 'tfjs_binding.node')));
}

/** pnpm exports its own settings as npm_config_*; npm 11 warns about each one it does not know. */
function npmEnv() {
  const pnpmOnly = [
    'npm_config_npm_globalconfig',
    'npm_config_verify_deps_before_run',
    'npm_config__jsr_registry',
  ];
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !pnpmOnly.includes(key)));
}

function install() {
  if (!existsSync(SHARED_SCRIPT)) notAvailable('../shared/tools/tfjs-node-local.sh is absent');
  // Our own manifest, so npm does not name the project after the folder (npm init -y would).
  const manifest = join(TFJS_NODE_DIR, 'package.json');
  if (!existsSync(manifest)) {
    spawnSync('mkdir', ['-p', TFJS_NODE_DIR]);
    const description = 'tfjs-node for flatopt (pnpm tfjs-node); git-ignored, never committed';
    writeFileSync(
      manifest,
      `${JSON.stringify({ name: 'flatopt-tfjs-node', private: true, description }, null, 2)}\n`,
    );
  }
  console.log('tfjs-node: installing into .tfjs-node/ (about a minute once the library is cached) ...');
  const run = spawnSync('bash', [SHARED_SCRIPT, TFJS_NODE_DIR], { stdio: 'inherit', env: npmEnv() });
  if (run.status === NOT_AVAILABLE) process.exit(NOT_AVAILABLE); // the shared script said why
  if (run.status !== 0) throw new Failure(`tfjs-node-local.sh exited with ${run.status ?? run.signal}`);
}

const versionOf = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;

/**
 * The workspace's copy of @tensorflow/<name> (a real directory in pnpm's store). tfjs comes from
 * the root's devDependencies; its parts (core, layers, converter, data, backends) from tfjs itself,
 * which is what the workspace loads when code imports '@tensorflow/tfjs'.
 */
function workspaceCopy(name) {
  const fromRoot = createRequire(join(ROOT, 'package.json'));
  const tfjs = dirname(realpathSync(fromRoot.resolve('@tensorflow/tfjs/package.json')));
  if (name === 'tfjs') return tfjs;
  try {
    return dirname(
      realpathSync(createRequire(join(tfjs, 'package.json')).resolve(`@tensorflow/${name}/package.json`)),
    );
  } catch {
    throw new Failure(`the workspace has no @tensorflow/${name} to link .tfjs-node/ to (run pnpm install)`);
  }
}

/** The workspace must itself have one tfjs-core: the one bench, lanes and the root resolve. */
function checkWorkspaceHasOneCore(core) {
  for (const project of ['', 'bench', 'lanes']) {
    const from = createRequire(join(ROOT, project, 'package.json'));
    const found = dirname(realpathSync(from.resolve('@tensorflow/tfjs-core/package.json')));
    if (found !== core)
      throw new Failure(`${project || 'the root'} resolves another @tensorflow/tfjs-core: ${found}`);
  }
}

/** A copy npm nested under some package would escape the links: there must be none. */
function checkNoNestedCopies() {
  const top = join(TFJS_NODE_DIR, 'node_modules');
  const packages = readdirSync(top).flatMap((entry) =>
    entry.startsWith('@')
      ? readdirSync(join(top, entry)).map((p) => join(top, entry, p))
      : [join(top, entry)],
  );
  const nested = packages.filter((dir) => existsSync(join(dir, 'node_modules', '@tensorflow')));
  if (nested.length > 0)
    throw new Failure(`nested @tensorflow packages under ${nested.map((d) => relative(ROOT, d)).join(', ')}`);
}

/** Replaces .tfjs-node's copies of tfjs, tfjs-core, ... by relative symlinks to the workspace's. */
function linkWorkspaceCopies() {
  const linked = [];
  for (const name of readdirSync(MODULES)) {
    if (name === 'tfjs-node') continue;
    const link = join(MODULES, name);
    const target = workspaceCopy(name);
    const wanted = versionOf(target);
    if (versionOf(link) !== wanted)
      throw new Failure(`.tfjs-node has @tensorflow/${name} ${versionOf(link)}, the workspace ${wanted}`);
    if (!lstatSync(link).isSymbolicLink() || realpathSync(link) !== target) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(relative(MODULES, target), link, 'dir'); // relative: survives moving the clone
    }
    linked.push(name);
  }
  if (!linked.includes('tfjs') || !linked.includes('tfjs-core'))
    throw new Failure(
      '.tfjs-node/ lacks @tensorflow/tfjs or tfjs-core beside tfjs-node (--force reinstalls)',
    );
  checkNoNestedCopies();
  return linked;
}

/** Loads tfjs-node the way bench and the lane do, then runs a matMul in the workspace's tfjs-core. */
async function verify() {
  const tf = createRequire(join(ROOT, 'package.json'))('@tensorflow/tfjs-core');
  const status = loadTfjsNode(tf);
  if (!status.available) throw new Failure(status.reason);
  if (!(await tf.setBackend('tensorflow')) || tf.getBackend() !== 'tensorflow')
    throw new Failure("setBackend('tensorflow') failed");
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const product = Array.from(tf.matMul(a, a).dataSync());
  if (product.join(',') !== '7,10,15,22')
    throw new Failure(`matMul on tensorflow gave ${product}, not 7,10,15,22`);
  return status.reason;
}

async function main() {
  const force = process.argv.includes('--force');
  if (force || !isInstalled()) install();
  else
    console.log('tfjs-node: already installed in .tfjs-node/ (--force reinstalls); relinking and checking');
  const core = workspaceCopy('tfjs-core');
  checkWorkspaceHasOneCore(core);
  const linked = linkWorkspaceCopies();
  const loaded = await verify();
  console.log(
    `tfjs-node: ready: ${loaded}; ${linked.map((n) => `@tensorflow/${n}`).join(', ')} linked to the workspace's copies`,
  );
}

main().catch((error) => {
  console.error(`tfjs-node: ${error instanceof Failure ? error.message : (error?.stack ?? error)}`);
  process.exit(1);
});
