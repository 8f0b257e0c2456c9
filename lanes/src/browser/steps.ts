/** How long each read-count run is, shared by the page (which runs it) and Node (which checks it). */

/** Steps of minimize / step / stepAsync, the first included. */
export const RAW_STEPS = 5;
/** Batches per epoch of the Dense model's data (fit, fitDataset), and trainOnBatch calls. */
export const BATCHES_PER_EPOCH = 4;
/** fit runs this many epochs, so that a leak per epoch shows as well as reads per batch. */
export const FIT_EPOCHS = 2;
