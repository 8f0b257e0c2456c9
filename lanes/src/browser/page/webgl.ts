/** The WebGL page: tfjs with its cpu and webgl backends, and the browser lane's WebGL checks. */
import '@tensorflow/tfjs';
import { backendInfo } from './backend-info';
import { runCase } from './conformance';
import { expose } from './expose';

import { nanUnderSkip, nanUnderThrow } from './non-finite';
import { blockingReads } from './reads';
import { saveLoad } from './save-load';

expose({ backendInfo, runCase, blockingReads, saveLoad, nanUnderThrow, nanUnderSkip });
